/** Something installed process-wide that can be taken out. */
export interface Installed {
  uninstall(): void;
}

// One active interceptor per process, whichever copy of the SDK installed it (the ESM and CommonJS
// builds, or two versions): installing a second one first uninstalls the first, so no call is ever
// counted twice.
const SLOT = Symbol.for("trusera.interceptor.active");
const globals = globalThis as unknown as Record<symbol, Installed | undefined>;

export function activeInterceptor(): Installed | undefined {
  return globals[SLOT];
}

export function setActiveInterceptor(value: Installed | undefined): void {
  if (value === undefined) delete globals[SLOT];
  else globals[SLOT] = value;
}
