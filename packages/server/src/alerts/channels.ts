import { createHmac, timingSafeEqual } from "node:crypto";
import type { AlertChannel } from "../store/types.js";

/** The alert as JSON, as every channel receives it (Slack gets a text rendering of it). */
export interface AlertPayload {
  id: string;
  type: "alert";
  rule: { id: string; name: string; kind: string };
  project_id: string;
  condition: string;
  fired_at: string;
  summary: string;
  details: Record<string, unknown>;
}

export const SIGNATURE_HEADER = "x-trusera-signature";
export const TIMESTAMP_HEADER = "x-trusera-timestamp";

/**
 * `v1=` and the hex HMAC-SHA256, keyed by the channel's secret, of `<timestamp>.<body>`: the timestamp
 * is signed with the body, so a receiver that refuses old timestamps cannot be fed a replayed alert.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: true when the signature is the secret's for this timestamp and body, and the
 * timestamp is within `toleranceSeconds` of now.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The HTTP request that delivers an alert on a channel. */
export function channelRequest(
  channel: AlertChannel,
  payload: string,
  deliveryId: string,
  now = Date.now(),
): { url: string; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "trusera-server",
  };
  if (channel.type === "slack") {
    return {
      url: channel.url,
      headers,
      body: JSON.stringify(slackBody(JSON.parse(payload) as AlertPayload)),
    };
  }
  const timestamp = String(Math.floor(now / 1000));
  return {
    url: channel.url,
    headers: {
      ...headers,
      "x-trusera-event": "alert",
      "x-trusera-delivery": deliveryId,
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: webhookSignature(channel.secret, timestamp, payload),
    },
    body: payload,
  };
}

/** A Slack incoming-webhook body (`text`, with `blocks` for clients that show them). */
export function slackBody(alert: AlertPayload): { text: string; blocks: unknown[] } {
  const text = `:rotating_light: Trusera alert "${alert.rule.name}": ${alert.summary}`;
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `rule \`${alert.rule.kind}\` · ${alert.condition} · ${alert.fired_at}` },
        ],
      },
    ],
  };
}
