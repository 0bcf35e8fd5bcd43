/**
 * The signed-in token: kept in this tab's sessionStorage (gone when the tab closes; never in
 * localStorage, which every tab and script of the origin shares for good). The page's options come
 * from the gateway (src/plugins/console.ts): in embedded mode, the development operator token.
 */
const TOKEN_KEY = "hotdash.console.token";

export interface PageOptions {
  /** Where the GraphQL API is, relative to the page. */
  graphqlPath: string;
  /** Embedded mode only: the development operator token `npm start` printed, to sign in with. */
  devToken?: string;
}

export function pageOptions(): PageOptions {
  const element = document.getElementById("console-options");
  const given = element?.textContent ? (JSON.parse(element.textContent) as Partial<PageOptions>) : {};
  return { graphqlPath: given.graphqlPath ?? "/graphql", ...(given.devToken && { devToken: given.devToken }) };
}

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const storeToken = (token: string) => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = () => sessionStorage.removeItem(TOKEN_KEY);

/** When a JWT says it expires (ms since the epoch), read without verifying: only to sign out on time. */
export function expiryOf(token: string): number | null {
  try {
    const payload = JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof payload.exp === "number" ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}
