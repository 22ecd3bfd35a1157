/** One hook an adapter put in place. */
export interface Patch {
  readonly name: string;
  /**
   * Puts the original back when the hook is still the one in place. When someone wrapped it since, the
   * hook stays where it is but passes everything straight through, so their wrapper keeps working.
   */
  uninstall(): void;
}
