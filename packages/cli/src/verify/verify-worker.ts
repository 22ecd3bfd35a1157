// Checks one slice of a receipt log off the main thread (see parallel.ts).
import { parentPort, workerData } from "node:worker_threads";
import { checkLogText, type Jwks, jwksLookup } from "@trusera/core";

const { text, firstLine, jwks } = workerData as { text: string; firstLine: number; jwks: Jwks };
parentPort!.postMessage(checkLogText(text, jwksLookup(jwks).lookup, firstLine));
