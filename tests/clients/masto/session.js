// masto.js (the client library inside Elk and Phanpy) against a running fediserver, as an
// app does: register, then, with the code a person approved, get a token, read home,
// open the user stream, post, and wait for the post to come back on the stream.
//
//   node session.js register BASE_URL           -> {"clientId", "clientSecret"}
//   node session.js session BASE_URL ID SECRET CODE
//        -> {"scope", "account", "homeBefore", "posted", "streamed", "streamedEvent"}
// Prints one JSON line; exits non-zero with the error on failure.
import { createOAuthAPIClient, createRestAPIClient, createStreamingAPIClient } from "masto";

const OOB = "urn:ietf:wg:oauth:2.0:oob";
const SCOPES = "read write follow";
const [command, url, clientId, clientSecret, code] = process.argv.slice(2);

async function register() {
  const rest = createRestAPIClient({ url });
  const app = await rest.v1.apps.create({ clientName: "masto.js sketchbook", redirectUris: OOB, scopes: SCOPES });
  return { clientId: app.clientId, clientSecret: app.clientSecret };
}

async function session() {
  const oauth = createOAuthAPIClient({ url });
  const token = await oauth.token.create({
    grantType: "authorization_code", clientId, clientSecret, redirectUri: OOB, code, scope: SCOPES,
  });
  const rest = createRestAPIClient({ url, accessToken: token.accessToken });
  const me = await rest.v1.accounts.verifyCredentials();
  const homeBefore = await rest.v1.timelines.home.list({ limit: 40 });

  // As Elk does: the streaming URL comes from the instance document.
  const instance = await rest.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming, accessToken: token.accessToken, retry: false,
  });
  const subscription = streaming.user.subscribe();
  const iterator = subscription[Symbol.asyncIterator]();
  // masto.js subscribes when the iteration starts; post once the request is on the socket.
  let next = iterator.next();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const posted = await rest.v1.statuses.create({ status: "Posted from masto.js, watched live", visibility: "public" });

  const deadline = setTimeout(() => { console.error("no update arrived on the user stream"); process.exit(3); }, 15000);
  let event;
  for (;;) {
    const { value, done } = await next;
    if (done) throw new Error("the user stream ended");
    next = iterator.next();
    if (value.event === "update" && value.payload.id === posted.id) { event = value; break; }
  }
  clearTimeout(deadline);
  subscription.unsubscribe();
  streaming.close();
  return {
    scope: token.scope, account: me.acct, homeBefore: homeBefore.length, posted: posted.id,
    streamed: event.payload.id, streamedEvent: event.event, streamedAccount: event.payload.account.acct,
    stream: event.stream,
  };
}

try {
  const result = command === "register" ? await register() : await session();
  console.log(JSON.stringify(result));
  process.exit(0);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(1);
}
