// Checks one slice of a receipt log off the main thread (see parallel.ts).
import { parentPort, workerData } from "node:worker_threads";
import { checkLogText, type Jwks } from "@trusera/core";
import { verifierLookup } from "./lookup.js";

const { text, firstLine, jwks, trusted } = workerData as {
  text: string;
  firstLine: number;
  jwks: Jwks;
  trusted?: string[];
};
parentPort!.postMessage(checkLogText(text, verifierLookup(jwks, trusted), firstLine));
