// Finding remote actors and objects for the control API: WebFinger over plain
// http for loopback handles, Fedify's lookupObject for documents, and a plain
// fetch to explain what went wrong when a lookup fails.

import { getActorTypeName, isActor } from "@fedify/vocab";
import { ControlError } from "./errors.js";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
// Any address of 127.0.0.0/8 is loopback (a test may serve fediserver on 127.0.0.2).
const isLoopback = (hostname) => LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);

// Splits "name@host:port", "@name@host" or "acct:name@host" into its parts.
function parseHandle(handle) {
  const match = /^(?:acct:|@)?([^@\s/]+)@([^@\s/]+)$/.exec(handle.trim());
  if (match === null) return null;
  return { user: match[1], host: match[2] };
}

// WebFinger over http for loopback hosts (Fedify's client insists on https).
async function webfinger(handle) {
  const parsed = parseHandle(handle);
  if (parsed === null) throw new ControlError(400, `not a handle or URL: ${handle}`);
  const hostname = parsed.host.replace(/:\d+$/, "");
  const scheme = isLoopback(hostname) ? "http" : "https";
  const resource = `acct:${parsed.user}@${parsed.host}`;
  const url = `${scheme}://${parsed.host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  const response = await fetch(url, { headers: { accept: "application/jrd+json" } });
  if (!response.ok) {
    throw new ControlError(502, `WebFinger ${url} answered ${response.status}`);
  }
  const jrd = await response.json();
  const self = (jrd.links ?? []).find(
    (link) => link.rel === "self" && /activity\+json|ld\+json/.test(link.type ?? ""),
  );
  if (!self?.href) throw new ControlError(502, `WebFinger ${url} has no self link`, { jrd });
  return { jrd, actorUrl: self.href };
}

// What a failed lookupObject could not tell us: the status and type of the document.
async function diagnoseFetch(url) {
  try {
    const response = await fetch(url, { headers: { accept: "application/activity+json" } });
    const body = await response.text();
    return `GET ${url} answered ${response.status} ${response.headers.get("content-type")}: ${body.slice(0, 300)}`;
  } catch (error) {
    return `GET ${url} failed: ${error.message}`;
  }
}

export async function resolveActor(ctx, target) {
  if (typeof target !== "string" || target === "") {
    throw new ControlError(400, "target must be a handle or an actor URL");
  }
  let webfingerJrd = null;
  let actorUrl = target;
  if (!/^https?:\/\//.test(target)) {
    ({ jrd: webfingerJrd, actorUrl } = await webfinger(target));
  }
  const actor = await ctx.lookupObject(actorUrl);
  if (actor === null || !isActor(actor)) {
    throw new ControlError(502, `could not resolve an actor at ${actorUrl}`, {
      webfinger: webfingerJrd,
      fetch: await diagnoseFetch(actorUrl),
    });
  }
  return { actor, webfinger: webfingerJrd };
}

export async function describeActor(actor) {
  const publicKeys = [];
  for await (const key of actor.getPublicKeys()) {
    publicKeys.push({ id: key.id?.href ?? null, owner: key.ownerId?.href ?? null });
  }
  return {
    id: actor.id?.href ?? null,
    type: getActorTypeName(actor),
    preferredUsername: actor.preferredUsername?.toString() ?? null,
    name: actor.name?.toString() ?? null,
    summary: actor.summary?.toString() ?? null,
    url: actor.url?.href ?? null,
    inbox: actor.inboxId?.href ?? null,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
    outbox: actor.outboxId?.href ?? null,
    followers: actor.followersId?.href ?? null,
    following: actor.followingId?.href ?? null,
    manuallyApprovesFollowers: actor.manuallyApprovesFollowers,
    publicKeys,
    assertionMethods: actor.assertionMethodIds.map((id) => id.href),
    raw: await actor.toJsonLd({ format: "compact" }),
  };
}

export async function authorOf(ctx, objectUrl) {
  const object = await ctx.lookupObject(objectUrl);
  if (object === null) {
    throw new ControlError(502, `could not fetch ${objectUrl}`, { fetch: await diagnoseFetch(objectUrl) });
  }
  const authorId = object.attributionId ?? object.actorId ?? null;
  if (authorId === null) throw new ControlError(422, `${objectUrl} names no author`);
  return (await resolveActor(ctx, authorId.href)).actor;
}
