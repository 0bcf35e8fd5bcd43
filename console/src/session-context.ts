/** What every part of the signed-in console shares: the API client, who is signed in, and how to sign out. */
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api, GatewayError } from "./api.ts";
import type { ViewerQuery } from "../../src/generated/operations/graphql.ts";

export type SignedInViewer = ViewerQuery["viewer"];

export interface Session {
  api: Api;
  viewer: SignedInViewer;
  /** Ends the session; with a message, the sign-in page says why (an expired or revoked token). */
  signOut: (message?: string) => void;
  /** Every part calls this with its errors: an UNAUTHENTICATED one signs out with the gateway's reason. */
  handleError: (error: unknown) => GatewayError | Error;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the signed-in console");
  return session;
}
