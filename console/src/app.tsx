/**
 * The console: sign in, then the dashboard's four tiles and the live approval queue on one page.
 * An UNAUTHENTICATED answer anywhere (the token expired or was revoked) returns to the sign-in page
 * with the gateway's reason; so does the token's own expiry, on time.
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { createApi, GatewayError } from "./api.ts";
import { ApprovalQueue } from "./approvals/index.tsx";
import { Dashboard } from "./dashboard/index.tsx";
import { expiryOf, forgetToken, pageOptions, storedToken, storeToken } from "./session.ts";
import { SessionContext, type Session, type SignedInViewer } from "./session-context.ts";
import { checkToken, explainTokenProblem, refusalFor, SignIn } from "./sign-in.tsx";

const options = pageOptions();
const MAX_TIMER_MS = 2 ** 31 - 1;

type State = { phase: "checking" } | { phase: "signed-out"; message?: string } | { phase: "signed-in"; token: string; viewer: SignedInViewer };

/** A stored token first; else, in embedded mode, the development token (unless the operator signed out). */
function initialToken(): string | null {
  const stored = storedToken();
  if (stored !== null) return stored || null; // "" = signed out on purpose
  return options.devToken ?? null;
}

export function App() {
  const [state, setState] = useState<State>(() => (initialToken() ? { phase: "checking" } : { phase: "signed-out" }));

  useEffect(() => {
    const token = initialToken();
    if (!token) return;
    checkToken(options.graphqlPath, token).then(
      (viewer) => {
        const refusal = refusalFor(viewer);
        if (refusal) setState({ phase: "signed-out", message: refusal });
        else signIn(token, viewer);
      },
      (error: unknown) => setState({ phase: "signed-out", message: explainTokenProblem(error) }),
    );
  }, []);

  function signIn(token: string, viewer: SignedInViewer) {
    storeToken(token);
    setState({ phase: "signed-in", token, viewer });
  }

  function signOut(message?: string) {
    forgetToken();
    storeToken(""); // no automatic sign-in with the development token after signing out
    setState({ phase: "signed-out", ...(message && { message }) });
  }

  if (state.phase === "checking")
    return (
      <p class="loading" role="status">
        Signing in…
      </p>
    );
  if (state.phase === "signed-out")
    return <SignIn graphqlPath={options.graphqlPath} devToken={options.devToken} message={state.message} onSignedIn={signIn} />;
  return <SignedIn token={state.token} viewer={state.viewer} signOut={signOut} />;
}

function SignedIn({ token, viewer, signOut }: { token: string; viewer: SignedInViewer; signOut: (message?: string) => void }) {
  const session = useMemo<Session>(() => {
    const api = createApi(options.graphqlPath, token);
    return {
      api,
      viewer,
      signOut,
      handleError(error) {
        if (error instanceof GatewayError && error.code === "UNAUTHENTICATED") signOut(explainTokenProblem(error));
        return error instanceof Error ? error : new Error(String(error));
      },
    };
  }, [token]);

  useEffect(() => () => session.api.close(), [session]);

  // Sign out when the token expires, rather than at the next failed request.
  useEffect(() => {
    const expiry = expiryOf(token);
    // Beyond setTimeout's 2^31 ms (~24.8 days) it would fire at once; the next request notices instead.
    if (expiry === null || expiry - Date.now() > MAX_TIMER_MS) return;
    const timer = setTimeout(
      () => signOut(explainTokenProblem(new GatewayError("expired", "UNAUTHENTICATED", "TOKEN_EXPIRED"))),
      Math.max(0, expiry - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [token]);

  // Bumped by the live queue: the dashboard reads its tiles again, so its support-queue tile agrees with the queue.
  const [queueVersion, setQueueVersion] = useState(0);
  const queueChanged = useCallback(() => setQueueVersion((v) => v + 1), []);
  const who = viewer.name ?? viewer.email ?? viewer.subject ?? "operator";
  return (
    <SessionContext.Provider value={session}>
      <header class="top">
        <span class="brand">HotDash console</span>
        <nav aria-label="Sections">
          <a href="#dashboard">Dashboard</a>
          <a href="#approvals">Approvals</a>
          <a href={options.graphqlPath}>GraphiQL</a>
        </nav>
        <span class="who">
          Signed in as <strong>{who}</strong>
          {viewer.name && viewer.email && <span class="email"> ({viewer.email})</span>}
        </span>
        <button type="button" class="secondary" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main class="console">
        <Dashboard queueVersion={queueVersion} />
        <ApprovalQueue onChange={queueChanged} />
      </main>
    </SessionContext.Provider>
  );
}
