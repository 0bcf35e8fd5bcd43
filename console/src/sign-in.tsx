/**
 * Signing in with a token: pasted, or (embedded mode) the development operator token, filled in.
 * The token is checked with the gateway (Viewer) before anything else is shown; what is
 * wrong with it is said in a sentence, never a blank page.
 */
import { useState } from "preact/hooks";
import { createApi, GatewayError } from "./api.ts";
import { ViewerDocument } from "../../src/generated/operations/graphql.ts";
import type { SignedInViewer } from "./session-context.ts";

/** A sentence for each way a token can fail (docs/auth.md, "Failures"). */
export function explainTokenProblem(error: unknown): string {
  if (!(error instanceof GatewayError)) return `Something went wrong: ${String(error)}`;
  if (error.code === "NETWORK") return "The gateway did not answer. Is it running? Try again in a moment.";
  if (error.code === "UNAUTHENTICATED") {
    switch (error.reason) {
      case "TOKEN_EXPIRED":
        return "This token has expired. Sign in to Supabase again for a fresh one (in embedded mode, restarting npm start prints one).";
      case "INVALID_SIGNATURE":
      case "UNKNOWN_KEY":
      case "INVALID_ISSUER":
      case "INVALID_AUDIENCE":
        return `This token is not from this gateway's Supabase project: ${error.message}`;
      case "MALFORMED_TOKEN":
      case "MALFORMED_HEADER":
        return "That is not a token: paste the whole access token (three parts separated by dots).";
      default:
        return `The gateway did not accept this token: ${error.message}`;
    }
  }
  if (error.code === "RATE_LIMITED") return "Too many requests just now: wait a minute and try again.";
  return `The gateway refused: ${error.message}`;
}

/** Why a valid token still may not use the console, or null when it may. */
export function refusalFor(viewer: SignedInViewer): string | null {
  switch (viewer.kind) {
    case "authenticated":
      return null;
    case "anonymous":
      return "This is an anonymous sign-in. The console is for operators: sign in with an operator account.";
    case "service_role":
      return "This is a service_role (back-office) token. The console is for operators: paste an operator's session token.";
    default:
      return "Paste an operator's session token to sign in.";
  }
}

export async function checkToken(graphqlPath: string, token: string): Promise<SignedInViewer> {
  const api = createApi(graphqlPath, token);
  try {
    return (await api.request(ViewerDocument, {})).viewer;
  } finally {
    api.close();
  }
}

interface SignInProps {
  graphqlPath: string;
  devToken?: string;
  /** Why the last session ended, or why the last token was refused. */
  message?: string;
  onSignedIn: (token: string, viewer: SignedInViewer) => void;
}

export function SignIn({ graphqlPath, devToken, message, onSignedIn }: SignInProps) {
  const [token, setToken] = useState(devToken ?? "");
  const [problem, setProblem] = useState<string | undefined>(message);
  const [checking, setChecking] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const pasted = token.trim().replace(/^Bearer\s+/i, "");
    if (!pasted) return setProblem("Paste an operator's session token to sign in.");
    setChecking(true);
    try {
      const viewer = await checkToken(graphqlPath, pasted);
      const refusal = refusalFor(viewer);
      if (refusal) setProblem(refusal);
      else onSignedIn(pasted, viewer);
    } catch (error) {
      setProblem(explainTokenProblem(error));
    } finally {
      setChecking(false);
    }
  }

  return (
    <main class="sign-in">
      <h1>HotDash console</h1>
      <p>The store's dashboard and the agents' approval queue. Sign in with your Supabase session token.</p>
      <form onSubmit={(event) => void submit(event)}>
        <label for="token">Access token</label>
        <textarea
          id="token"
          name="token"
          rows={5}
          spellcheck={false}
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby={problem ? "sign-in-problem" : "token-help"}
        />
        <p id="token-help" class="help">
          {devToken
            ? "Embedded mode: the development operator token that npm start printed is filled in."
            : "In the dashboard app, supabase.auth.getSession() gives it as session.access_token."}
        </p>
        {problem && (
          <p id="sign-in-problem" class="problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={checking}>
          {checking ? "Checking…" : "Sign in"}
        </button>
      </form>
      <p class="help">
        Exploring the API instead? <a href={graphqlPath}>GraphiQL</a>
      </p>
    </main>
  );
}
