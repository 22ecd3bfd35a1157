import {
  containsSecret,
  headerNames,
  isSensitiveName,
  redactHeaders,
  redactText,
  redactUrl,
  scrubSecrets,
} from "@trusera/core";

// Fake secrets, built from parts so that no scanner takes this file for a leak.
const OPENAI = ["sk-", "proj-", "abcdefghijklmnopqrstuvwxyz012345"].join("");
const ANTHROPIC = ["sk-", "ant-", "api03-abcdefghijklmnopqrstuv"].join("");
const TRUSERA = ["tsk_", "live_0123456789abcdefghij"].join("");
const AWS_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
const GITHUB = ["ghp_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");
const GITHUB_PAT = ["github_pat_", "11ABCDEFG0123456789_abcdefghijklmnop"].join("");
const SLACK = ["xoxb-", "1234567890-abcdefghij"].join("");
const GOOGLE = ["AIza", "SyA-abcdefghijklmnopqrstuvwxyz01234"].join("");
const JWT = [
  "eyJ",
  "hbGciOiJIUzI1NiJ9",
  ".",
  "eyJzdWIiOiIxMjM0In0",
  ".",
  "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
].join("");
const AWS_SECRET = ["wJalrXUtnFEMI/K7MDENG", "/bPxRfiCYEXAMPLEKEY"].join("");
const PEM = [
  "-----BEGIN ",
  "RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----",
].join("");

const NAMES = [
  "authorization",
  "Authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "X-Auth-Token",
  "x-amz-security-token",
  "openai-api-key",
  "password",
  "passwd",
  "db_password",
  "PWD",
  "secret",
  "client_secret",
  "api_key",
  "apiKey",
  "private_key",
  "credentials",
  "signature",
  "session",
  "session_token",
  "auth",
  "access_token",
  "refresh_token",
  "keep-alive",
  "max_tokens",
  "max-tokens",
  "maxtokens",
  "max_completion_tokens",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "input_tokens",
  "output_tokens",
  "tokens",
  "token_count",
  "primary_key",
  "sort_key",
  "keys",
  "key_count",
  "author",
  "authors",
  "session_id",
  "sessionid",
  "url",
  "method",
  "status_code",
  "content-type",
  "accept",
  "user",
  "query",
  "name",
  "monkey",
  "keyboard",
];

const TEXTS = [
  "",
  "plain text with nothing secret",
  `key ${OPENAI} used`,
  `anthropic ${ANTHROPIC}`,
  `trusera ${TRUSERA}`,
  `aws ${AWS_ID} id`,
  `${AWS_ID}X is not an id (no word boundary)`,
  `gh token ${GITHUB}`,
  `pat ${GITHUB_PAT}`,
  `slack ${SLACK}`,
  `google ${GOOGLE}`,
  `jwt ${JWT}`,
  'curl -H "Authorization: Bearer abcdefgh12345"',
  "authorization: bearer abcdefgh12345",
  "Bearer short",
  "Basic dXNlcjpwYXNzd29yZA==",
  `before\n${PEM}\nafter`,
  "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg (cut off)",
  `two ${OPENAI} and ${GITHUB}`,
  "sk-short is too short",
  "the word token alone",
  "a sketch-abcdefghijklmnopqrst is not a key (sk- inside a word)",
  "unicode café ☕ and sk-abcdefghijklmnopqrstu",
  // URLs inside free text.
  "GET https://user:hunter2@db.example.com/x failed",
  "postgres://app:s3cret@10.0.0.5:5432/db",
  "https://:onlypass@example.com/",
  "https://user@example.com/ has no password",
  "POST https://api.example.com/v1?api_key=abc123&page=2",
  "https://x.test/cb#access_token=abc&state=1",
  "https://keycloak.example.com:8443/auth/realms/x is a host, not a name",
  "ssh git@keyserver.example.com:22",
  // AWS secret access keys.
  AWS_SECRET,
  `aws_secret_access_key = ${AWS_SECRET}`,
  `creds ${AWS_ID} ${AWS_SECRET} end`,
  `AWS credentials ${AWS_SECRET}`,
  `unrelated ${AWS_SECRET} without context`,
  "commit 3f786850e387550fdab836ed7e6dc881de23001b",
  `secret ${AWS_SECRET}${AWS_SECRET}`,
  `secret ${AWS_SECRET}=`,
  "secret /home/ann/Projects/agent-2/src/components/App.tsx",
  // Assignments and key words.
  "export OPENAI_API_KEY=abc123def",
  "export DB_PASSWORD='hunter2 with spaces'",
  "login failed: password=hunter2 for ann",
  'config {"db_password": "p4ss word", "port": 5432}',
  '{"password":"x","api_key":"y","max_tokens":5}',
  "Authorization: token 0123abcd4567ef",
  "Authorization: Bearer",
  "using token 9f8e7d6c5b4a3210 for the call",
  "client_secret: xyz",
  "--api-key=abc --password hunter22x",
  "Set-Cookie: sid=abc; Path=/",
  "the token expired, please log in again",
  "max_tokens=512 and session_id=abc",
  "password reset instructions were sent",
  "keys: 3",
  "token: null",
  "password=",
  'password="unterminated',
  "a monkey: banana (any name holding key counts)",
];

const OBJECTS: [string, unknown][] = [
  ["nothing secret", { a: 1, b: { c: "plain", max_tokens: 5 } }],
  ["sensitive key at top", { user: "ann", password: "p" }],
  ["sensitive keys of every scalar type", { token: 123, secret: true, api_key: "k", password: "" }],
  ["sensitive key holding null", { password: null }],
  ["nested under arrays", { nested: [{ note: `key ${ANTHROPIC} used` }, { authorization: "Basic x" }] }],
  ["harmless names kept", { max_tokens: 100, prompt_tokens: 5, session_id: "s1", author: "me", keys: ["a"] }],
  ["secret-shaped value under a harmless key", { note: `token is ${OPENAI}` }],
  ["top-level array", [`${GITHUB}`, { cookie: "a=b" }, 3]],
  ["top-level string", `Bearer abcdefgh12345`],
  ["top-level number", 42],
  ["top-level null", null],
  [
    "headers object",
    { headers: { Authorization: "Bearer abcdefgh12345", "Content-Type": "application/json" } },
  ],
  ["mixed case sensitive keys", { Password: "p", API_KEY: "k", XAuthToken: "t" }],
  ["unicode values", { note: "café", secret: "ß" }],
  ["depth cut at 32 levels", nest(34, { leaf: "x" })],
  ["sensitive key holding an array", { password: ["x"], user: "ann" }],
  ["sensitive key holding an object", { credentials: { user: "ann", pass: "x" } }],
  ["sensitive key holding empty containers", { password: [], token: {} }],
  ["nested sensitive arrays", { nested: [{ api_keys: [{ id: 1 }] }] }],
  [
    "URLs with secrets in payload strings",
    { url: "postgres://app:s3cret@10.0.0.5:5432/db", next: "https://x.test/?token=abc" },
  ],
  ["an AWS secret key alone under a harmless name", { value: AWS_SECRET }],
  ["error message with an assignment", { error: "connect failed: password=hunter2" }],
];

function nest(levels: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { d: value };
  return value;
}

const URLS = [
  "https://api.example.com/v1?q=cats&api_key=abc123&token=t&page=2",
  "https://user:hunter2@example.com/x",
  "https://user@example.com/x",
  "https://example.com/path",
  "https://x.test/?q=sk-abcdefghijklmnopqrstuv",
  "https://app.test/cb#access_token=abc123&state=xyz",
  "https://app.test/cb?page=1#token=t",
  "https://app.test/docs#section-2",
  "not a url#id_token=abc",
  "not a url?password=x&b=2",
  "https://api.example.com/v1?Authorization=Bearer%20abc&x=1",
  "https://api.example.com/v1?flag&key=v",
  "https://api.example.com/v1?max_tokens=5&session_id=abc",
  "https://example.com/?q=a+b&secret=c%20d",
  "http://[::1]:8080/x?token=abc",
  "https://example.com/search?q=caf%C3%A9",
  "https://user:p%40ss@example.com/?x=1",
  `https://example.com/?note=${AWS_SECRET}`,
  "https://example.com/?q=password%3Dhunter2",
];

const HEADERS: [string, Record<string, string | number | string[] | null>][] = [
  [
    "every credential header",
    {
      Authorization: "Bearer abc",
      "Proxy-Authorization": "Basic xyz",
      Cookie: "a=b",
      "Set-Cookie": ["a=b", "c=d"],
      "X-Api-Key": "k",
      "api-key": "k",
      "x-goog-api-key": "k",
      "X-Auth-Token": "t",
      "X-Client-Secret": "s",
      "Content-Type": "application/json",
      "Keep-Alive": "timeout=5",
    },
  ],
  ["values joined and numbers as text", { Accept: ["a/b", "c/d"], "Content-Length": 12 }],
  ["null values left out", { Accept: "*/*", "X-Nothing": null }],
  ["empty", {}],
];

export function buildRedaction() {
  return {
    description: "Redaction: what each function gives for an input. REDACTED is the marker text.",
    marker: "[REDACTED]",
    names: NAMES.map((name) => ({ name, sensitive: isSensitiveName(name) })),
    text: TEXTS.map((input) => ({
      input,
      expected: redactText(input),
      contains_secret: containsSecret(input),
    })),
    objects: OBJECTS.map(([name, input]) => ({ name, input, expected: scrubSecrets(input) })),
    urls: URLS.map((input) => ({ input, expected: redactUrl(input) })),
    headers: HEADERS.map(([name, input]) => ({
      name,
      input,
      expected: redactHeaders(input),
      names: headerNames(input),
    })),
  };
}
