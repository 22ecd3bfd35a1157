import type { Authenticator } from "./auth/authenticate.js";
import type { ServerConfig } from "./config.js";
import type { IngestService } from "./ingest/ingest-service.js";
import type { Store } from "./store/types.js";

/** What every route needs, made once per server. */
export interface AppContext {
  config: ServerConfig;
  store: Store;
  ingest: IngestService;
  auth: Authenticator;
}
