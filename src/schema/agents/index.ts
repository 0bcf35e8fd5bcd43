/** The agent system (see docs/agent-workflows.md): types first, then each part's queries and mutations. */
import "./types.ts";
import "./approvals.ts";
import "./feedback.ts";
import "./runs.ts";
import "./live-queue.ts";
import "./executions.ts";
