import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { api, onSignedOut, setCsrfToken } from "./api.js";
import { AlertsPage } from "./pages/alerts.js";
import { EventsPage } from "./pages/events.js";
import { OverviewPage } from "./pages/overview.js";
import { PoliciesPage } from "./pages/policies.js";
import { ReceiptsPage } from "./pages/receipts.js";
import { SignIn } from "./pages/sign-in.js";
import { ViolationsPage } from "./pages/violations.js";

export interface Session {
  project: { id: string; name: string };
  csrf_token: string;
}

const PAGES = {
  overview: { title: "Overview", view: OverviewPage },
  events: { title: "Live events", view: EventsPage },
  violations: { title: "Violations", view: ViolationsPage },
  policies: { title: "Policies", view: PoliciesPage },
  alerts: { title: "Alerts", view: AlertsPage },
  receipts: { title: "Receipts", view: ReceiptsPage },
} as const;
type PageName = keyof typeof PAGES;

const pageOf = (hash: string): PageName => {
  const name = hash.replace(/^#\/?/, "").split("?")[0] as PageName;
  return name in PAGES ? name : "overview";
};

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [page, setPage] = useState<PageName>(pageOf(location.hash));

  useEffect(() => {
    api<Session>("GET", "/api/v1/session").then(
      (s) => {
        setCsrfToken(s.csrf_token);
        setSession(s);
      },
      () => setSession(null),
    );
    const onHash = () => setPage(pageOf(location.hash));
    addEventListener("hashchange", onHash);
    const off = onSignedOut(() => setSession(null));
    return () => {
      removeEventListener("hashchange", onHash);
      off();
    };
  }, []);

  if (session === undefined) return <div class="loading">Loading…</div>;
  if (session === null)
    return (
      <SignIn
        onSignedIn={(s) => {
          setCsrfToken(s.csrf_token);
          setSession(s);
        }}
      />
    );

  const View = PAGES[page].view;
  const signOut = async () => {
    await api("DELETE", "/api/v1/session").catch(() => {});
    setSession(null);
  };
  return (
    <div class="shell">
      <nav class="sidebar">
        <div class="brand">Trusera</div>
        <div class="project" data-testid="project-name">
          {session.project.name}
        </div>
        {(Object.keys(PAGES) as PageName[]).map((name) => (
          <a key={name} href={`#/${name}`} class={name === page ? "active" : ""} data-testid={`nav-${name}`}>
            {PAGES[name].title}
          </a>
        ))}
        <button type="button" class="link sign-out" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </nav>
      <main class="content">
        <h1>{PAGES[page].title}</h1>
        <View />
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
