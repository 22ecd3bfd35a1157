import { useEffect, useState } from "preact/hooks";
import { api } from "./api.js";

export interface AgentInfo {
  id: string;
  name: string;
}

/** The project's agents by id, refreshed every 10 s (names for lists that carry ids). */
export function useAgents(): Map<string, AgentInfo> {
  const [agents, setAgents] = useState(new Map<string, AgentInfo>());
  useEffect(() => {
    let stop = false;
    const load = () =>
      api<{ agents: AgentInfo[] }>("GET", "/api/v1/agents?limit=1000").then(
        (r) => !stop && setAgents(new Map(r.agents.map((a) => [a.id, a]))),
        () => {},
      );
    load();
    const timer = setInterval(load, 10_000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, []);
  return agents;
}
