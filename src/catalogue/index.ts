/**
 * The operation catalogue: the named, described GraphQL documents under operations/ that the dashboard
 * UI and the agents use. Each operation (with the fragments it spreads) is one catalogue entry whose id
 * is the SHA-256 of its canonical print, the same hash `npm run codegen` writes to its manifest
 * (src/generated/operations/persisted-documents.json), so a client may send the id instead of the text.
 *
 * The catalogue is what trusted documents (TRUSTED_DOCUMENTS) allow, what /mcp offers as tools, and
 * what an agent's gated mutation is proposed as. A broken catalogue (a document that does not
 * validate, a duplicate name) stops the gateway at start-up with CatalogueError.
 *
 * Conventions of a document file: the `#` comment lines right above an operation are its description;
 * a line `# @idempotent` in them marks a mutation that may safely be sent again with the same variables.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { printExecutableGraphQLDocument } from "@graphql-tools/documents";
import {
  Kind,
  OperationTypeNode,
  parse,
  validate,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { GATED_MUTATIONS, POLICY_ROLES, type PolicyRole } from "../auth/policy.ts";
import { rolesAllowedToRun } from "./roles.ts";

/** Where the catalogue's documents live: operations/ at the project's root. */
export const OPERATIONS_DIR = path.resolve(import.meta.dirname, "../../operations");

export interface CatalogueOperation {
  /** "sha256:" and the hex SHA-256 of `text`: stable while the document does not change. */
  id: string;
  /** The operation's name, e.g. SubmitAgentApproval. */
  name: string;
  type: OperationTypeNode;
  /** From the comment lines above the operation. */
  description: string;
  /** The operation and the fragments it uses, parsed. */
  document: DocumentNode;
  /** The operation with its fragments in canonical print: what `id` hashes, what a client may send verbatim. */
  text: string;
  /** The file under operations/ it comes from. */
  file: string;
  /** The root fields it selects (aliases resolved), e.g. ["createAdsCampaign"]. */
  rootFields: string[];
  /** A mutation an agent key may only propose (its root field is in the policy table's GATED_MUTATIONS). */
  gated: boolean;
  /** Sending it twice with the same variables has the effect of sending it once (queries always). */
  idempotent: boolean;
  /** The kinds of caller whose role may run every field it selects, derived from the policy table. */
  roles: readonly PolicyRole[];
}

export class CatalogueError extends Error {
  override name = "CatalogueError";
  readonly code = "CATALOGUE_INVALID";
}

/** The catalogue's id of a document: "sha256:" and the hex SHA-256 of its canonical print (the manifest's keys). */
export const documentId = (document: DocumentNode): string => idOfText(printExecutableGraphQLDocument(document));
const idOfText = (text: string): string => `sha256:${createHash("sha256").update(text).digest("hex")}`;

export class Catalogue {
  readonly operations: readonly CatalogueOperation[];
  private readonly byIdMap: Map<string, CatalogueOperation>;
  private readonly byNameMap: Map<string, CatalogueOperation>;
  private readonly byDocument: WeakMap<DocumentNode, CatalogueOperation>;

  constructor(operations: readonly CatalogueOperation[]) {
    this.operations = operations;
    this.byDocument = new WeakMap(operations.map((op) => [op.document, op]));
    this.byIdMap = new Map(operations.map((op) => [op.id, op]));
    this.byNameMap = new Map(operations.map((op) => [op.name, op]));
  }

  byId(id: string): CatalogueOperation | undefined {
    return this.byIdMap.get(id);
  }

  byName(name: string): CatalogueOperation | undefined {
    return this.byNameMap.get(name);
  }

  /**
   * The catalogue operation a request's document is, if any: its text must be exactly one catalogue
   * operation, modulo formatting (it is compared by canonical print), and name the one it runs.
   */
  match(document: DocumentNode, operationName?: string | null): CatalogueOperation | undefined {
    // A document sent by id is the catalogue's own object: no need to print it again.
    const op = this.byDocument.get(document) ?? this.byIdMap.get(documentId(document));
    return op && (!operationName || operationName === op.name) ? op : undefined;
  }

  /** The operations a kind of caller may run. */
  forRole(role: PolicyRole): CatalogueOperation[] {
    return this.operations.filter((op) => op.roles.includes(role));
  }
}

/** An empty catalogue, for a gateway over a schema of its own (tests): nothing by id, nothing trusted. */
export const NO_CATALOGUE = new Catalogue([]);

/** Reads, validates and indexes every operations/**\/*.graphql file. Throws CatalogueError with every problem found. */
export function loadCatalogue(schema: GraphQLSchema, dir: string = OPERATIONS_DIR): Catalogue {
  const problems: string[] = [];
  const operations: CatalogueOperation[] = [];
  for (const file of graphqlFiles(dir)) {
    const source = readFileSync(path.join(dir, file), "utf8");
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
    );
    const lines = source.split("\n");
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const name = definition.name?.value;
      if (!name) {
        problems.push(`${file}: every catalogue operation needs a name`);
        continue;
      }
      const own: DocumentNode = { kind: Kind.DOCUMENT, definitions: [definition, ...fragmentsUsedBy(definition, fragments)] };
      const errors = validate(schema, own);
      if (errors.length) {
        problems.push(...errors.map((e) => `${file} ${name}: ${e.message}`));
        continue;
      }
      const { description, tags } = commentAbove(lines, definition.loc?.startToken.line ?? 1);
      const rootFields = rootFieldsOf(definition);
      const gated = definition.operation === OperationTypeNode.MUTATION && rootFields.some((f) => GATED_MUTATIONS.has(f));
      if (gated && rootFields.length !== 1)
        problems.push(
          `${file} ${name}: a gated mutation (${rootFields.join(", ")}) must be the operation's only root field, so one approval is one action`,
        );
      if (!description) problems.push(`${file} ${name}: describe it in # comment lines right above the operation`);
      const text = printExecutableGraphQLDocument(own);
      operations.push({
        id: idOfText(text),
        name,
        type: definition.operation,
        description,
        document: own,
        text,
        file,
        rootFields,
        gated,
        idempotent: definition.operation === OperationTypeNode.QUERY || tags.has("idempotent"),
        roles: POLICY_ROLES.filter((role) => rolesAllowedToRun(schema, own, role)),
      });
    }
  }
  const seen = new Set<string>();
  for (const op of operations) {
    if (seen.has(op.name)) problems.push(`${op.file}: the operation name ${op.name} is used twice; names are the catalogue's keys`);
    seen.add(op.name);
  }
  if (problems.length) throw new CatalogueError(`The operation catalogue (${dir}) is invalid:\n  - ${problems.join("\n  - ")}`);
  return new Catalogue(operations);
}

function graphqlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".graphql"))
    .sort();
}

/** The fragments an operation spreads, directly or through other fragments. */
function fragmentsUsedBy(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const collect = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          collect(fragment);
        }
      },
    });
  collect(operation);
  return [...used.values()];
}

function rootFieldsOf(operation: OperationDefinitionNode): string[] {
  return operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}

/** The `#` lines right above line `line` (1-based): the description, and its `@tag` lines. */
function commentAbove(lines: string[], line: number): { description: string; tags: Set<string> } {
  const comment: string[] = [];
  for (let i = line - 2; i >= 0 && lines[i].trim().startsWith("#"); i--) comment.unshift(lines[i].trim().replace(/^#\s?/, ""));
  const tags = new Set(comment.filter((l) => l.startsWith("@")).map((l) => l.slice(1).trim()));
  return {
    description: comment
      .filter((l) => !l.startsWith("@"))
      .join(" ")
      .trim(),
    tags,
  };
}
