/**
 * The credentials vault (table creds_meta), service_role only. A Credential exposes metadata only;
 * the secret is readable through exactly one field, revealCredential, which is a mutation because it
 * writes the audit row and last_accessed_at. Ciphertext, nonce and tag are never selected for GraphQL.
 */
import { access, builder } from "./builder.ts";
import { orderInput, tableConnection, visibleWhere } from "./common.ts";
import { badInput } from "../errors.ts";
import {
  auditReason,
  credentialFilter,
  credentialName,
  credentialWhere,
  deleteCredential,
  MAX_ROTATION_BATCH,
  putCredential,
  putCredentialInput,
  revealCredential,
  rotateCredentialKey,
} from "../data/credentials.ts";
import { listBound } from "./bounds.ts";

export const Credential = builder.prismaObject("CredsMeta", {
  name: "Credential",
  description: "An API credential stored encrypted (AES-256-GCM) in creds_meta. Metadata only: see revealCredential.",
  authScopes: access("creds_meta"),
  // Select mode: only the fields a query asks for are read, so ciphertext never leaves the database.
  select: { id: true },
  fields: (t) => ({
    id: t.expose("id", { type: "UUID" }),
    name: t.exposeString("name", { description: "Unique, e.g. shopify.admin_token: lowercase letters, digits, '.', '_' and '-'." }),
    provider: t.exposeString("provider", { description: "The service the credential is for, e.g. shopify." }),
    description: t.exposeString("description", { nullable: true }),
    keyId: t.exposeString("keyId", { description: "Fingerprint of the encryption key the secret is sealed with." }),
    lastRotatedAt: t.expose("lastRotatedAt", {
      type: "DateTime",
      nullable: true,
      description: "When the secret was last replaced (putCredential) or re-encrypted (rotateCredentialKey); null if never.",
    }),
    lastAccessedAt: t.expose("lastAccessedAt", { type: "DateTime", nullable: true, description: "Last revealCredential; null if never." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const CredentialFilter = builder
  .inputType("CredentialFilter", {
    fields: (t) => ({
      provider: t.string({ required: false }),
      keyId: t.string({ required: false, description: "Only credentials sealed with this key (e.g. to check a rotation)." }),
      search: t.string({ required: false, description: "Case-insensitive match on the name." }),
    }),
  })
  .validate(credentialFilter);
const credentialOrder = orderInput(
  "Credential",
  { NAME: "name", PROVIDER: "provider", CREATED_AT: "createdAt", UPDATED_AT: "updatedAt", LAST_ACCESSED_AT: "lastAccessedAt" },
  "NAME",
  "ASC",
);

builder.queryFields((t) => ({
  credentials: tableConnection(t, {
    table: "creds_meta",
    type: "CredsMeta",
    description: "Stored credentials (metadata only), by name by default. service_role only.",
    args: { filter: t.arg({ type: CredentialFilter, required: false }), orderBy: t.arg({ type: credentialOrder.input, required: false }) },
    where: ({ filter }) => credentialWhere(filter),
    orderBy: (args) => credentialOrder.toPrisma(args.orderBy),
  }),
  credential: t.prismaField({
    type: "CredsMeta",
    nullable: true,
    description: "One credential's metadata by name or id (give exactly one); null when it does not exist.",
    authScopes: access("creds_meta"),
    args: { name: t.arg.string({ required: false }), id: t.arg({ type: "UUID", required: false }) },
    resolve: (query, _root, { name, id }, ctx) => {
      if ((name == null) === (id == null)) throw badInput("name", "give exactly one of name and id");
      return ctx.db.credsMeta.findFirst({ ...query, where: visibleWhere(ctx, "creds_meta", name != null ? { name } : { id: id! }) });
    },
  }),
}));

// Mutations (service_role), each audited in DecisionLog. Their rules are the data layer's (src/data/credentials.ts).

const PutCredentialInput = builder
  .inputType("PutCredentialInput", {
    fields: (t) => ({
      name: t.string({ required: true }),
      provider: t.string({ required: true }),
      description: t.string({ required: false, description: "Omitted: unchanged on replace; null clears it." }),
      secret: t.string({ required: true, description: "The plaintext; encrypted before it reaches the database, never returned." }),
      reason: t.string({ required: false, description: "Recorded as the audit row's rationale." }),
    }),
  })
  .validate(putCredentialInput);

const RevealedCredential = builder.simpleObject("RevealedCredential", {
  description: "A decrypted secret. Each one handed out is recorded in DecisionLog.",
  fields: (t) => ({
    name: t.string(),
    secret: t.string(),
    keyId: t.string(),
    accessedAt: t.field({ type: "DateTime" }),
  }),
});

const DeletedCredential = builder.simpleObject("DeletedCredential", {
  fields: (t) => ({ id: t.field({ type: "UUID" }), name: t.string() }),
});

const CredentialKeyRotation = builder.simpleObject("CredentialKeyRotation", {
  fields: (t) => ({
    keyId: t.string({ description: "The current key: every credential is now sealed with it." }),
    rotated: t.stringList({
      ...listBound(MAX_ROTATION_BATCH),
      description: `Names of the credentials re-encrypted by this rotation: at most ${MAX_ROTATION_BATCH}; when full, call again for the rest.`,
    }),
    alreadyCurrent: t.int({ description: "Credentials that were already on the current key." }),
  }),
});

builder.mutationFields((t) => ({
  putCredential: t.prismaField({
    type: "CredsMeta",
    description: "Creates the credential, or replaces its secret and metadata (fresh nonce, current key). Audited as credential.write.",
    authScopes: access("creds_meta", ["insert", "update"]),
    args: { input: t.arg({ type: PutCredentialInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const id = await putCredential(ctx, input);
      return ctx.db.credsMeta.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
  revealCredential: t.field({
    type: RevealedCredential,
    description: "Decrypts one secret: the only way to read one. Records credential.read (with the reason) in DecisionLog and stamps lastAccessedAt.",
    authScopes: access("creds_meta", ["select", "update"]),
    args: {
      name: t.arg.string({ required: true, validate: credentialName }),
      reason: t.arg.string({ required: true, validate: auditReason, description: "Why it is needed; kept in the audit trail." }),
    },
    resolve: (_root, args, ctx) => revealCredential(ctx, args.name, args.reason),
  }),
  deleteCredential: t.field({
    type: DeletedCredential,
    description: "Deletes a credential. Audited as credential.delete.",
    authScopes: access("creds_meta", "delete"),
    args: { name: t.arg.string({ required: true, validate: credentialName }), reason: t.arg.string({ required: false, validate: auditReason }) },
    resolve: (_root, args, ctx) => deleteCredential(ctx, args.name, args.reason),
  }),
  rotateCredentialKey: t.field({
    type: CredentialKeyRotation,
    description:
      "Re-encrypts every credential still sealed with a previous key (CREDS_PREVIOUS_KEYS) with the current CREDS_ENCRYPTION_KEY, " +
      "all or nothing. One credential.rotate row per re-encrypted credential in DecisionLog.",
    authScopes: access("creds_meta", ["select", "update"]),
    args: { reason: t.arg.string({ required: false, validate: auditReason }) },
    resolve: (_root, args, ctx) => rotateCredentialKey(ctx, args.reason),
  }),
}));
