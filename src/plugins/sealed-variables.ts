/**
 * Secrets in proposed operations: the values of the policy table's SECRET_INPUT_FIELDS in an agent's
 * gated operation are sealed (AES-256-GCM, the vault's current key) before the approval is stored,
 * and opened again only to execute it. The sealed form is bound to the catalogue operation and the
 * variable's path, so it cannot be moved to another approval or another field.
 */
import {
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { SECRET_INPUT_FIELDS } from "../auth/policy.ts";
import { open, seal, type Keyring } from "../vault/index.ts";

/** How a sealed value is stored in the approval's payload (JSON). */
export interface SealedValue {
  $sealed: "v1";
  keyId: string;
  nonce: string;
  ciphertext: string;
  authTag: string;
}

export const isSealed = (value: unknown): value is SealedValue =>
  typeof value === "object" && value !== null && (value as { $sealed?: unknown }).$sealed === "v1";

/** A copy of `variables` with `change` applied to each secret field's value. */
function mapSecrets(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
  change: (value: unknown, path: string) => unknown,
): Record<string, unknown> {
  const walk = (value: unknown, type: GraphQLInputType, path: string): unknown => {
    if (value === null || value === undefined) return value;
    if (isNonNullType(type)) return walk(value, type.ofType, path);
    if (isListType(type))
      return Array.isArray(value) ? value.map((item, i) => walk(item, type.ofType, `${path}.${i}`)) : walk(value, type.ofType, path);
    if (!isInputObjectType(type) || typeof value !== "object") return value;
    const fields = type.getFields();
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => {
        const fieldType = fields[key]?.type;
        if (SECRET_INPUT_FIELDS.has(`${type.name}.${key}`) && field !== null) return [key, change(field, `${path}.${key}`)];
        return [key, fieldType ? walk(field, fieldType, `${path}.${key}`) : field];
      }),
    );
  };
  const out: Record<string, unknown> = { ...variables };
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type && name in out) out[name] = walk(out[name], type, name);
  }
  return out;
}

const bindingOf = (documentId: string, path: string) => `AgentApproval:${documentId}:${path}`;

/** The variables with every secret sealed, for the approval's payload (the keyring is asked for only if there is one). */
export function sealSecrets(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  documentId: string,
  variables: Readonly<Record<string, unknown>>,
  keyring: () => Keyring,
): Record<string, unknown> {
  return mapSecrets(schema, operation, variables, (value, path) => {
    const sealed = seal(keyring(), bindingOf(documentId, path), String(value));
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
    return {
      $sealed: "v1",
      keyId: sealed.keyId,
      nonce: b64(sealed.nonce),
      ciphertext: b64(sealed.ciphertext),
      authTag: b64(sealed.authTag),
    } satisfies SealedValue;
  });
}

/** The variables as the agent sent them: every sealed secret opened (VaultError if it does not open; the keyring asked for only then). */
export function openSecrets(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  documentId: string,
  variables: Readonly<Record<string, unknown>>,
  keyring: () => Keyring,
): Record<string, unknown> {
  return mapSecrets(schema, operation, variables, (value, path) => {
    if (!isSealed(value)) return value;
    const bytes = (b64: string) => new Uint8Array(Buffer.from(b64, "base64"));
    return open(keyring(), bindingOf(documentId, path), {
      keyId: value.keyId,
      nonce: bytes(value.nonce),
      ciphertext: bytes(value.ciphertext),
      authTag: bytes(value.authTag),
    });
  });
}
