// The Fedify side of the interop peer: actors with RSA and Ed25519 keys,
// WebFinger, collections, Note objects, and the inbox listeners that record
// every verified activity and answer Follows according to the actor's policy.

import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Collection,
  Create,
  Delete,
  Endpoints,
  Follow,
  Like,
  Move,
  Note,
  Person,
  QuoteAuthorization,
  QuoteRequest,
  Reject,
  Undo,
  Update,
} from "@fedify/vocab";

const RSA_PARAMS = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

async function keyPairsOf(actor) {
  if (actor.keyPairs === null) {
    const rsa = await crypto.subtle.generateKey(RSA_PARAMS, true, ["sign", "verify"]);
    const ed25519 = await generateCryptoKeyPair("Ed25519");
    actor.keyPairs = [rsa, ed25519];
  }
  return actor.keyPairs;
}

// Which HTTP signature generation a request carries, judged by its headers.
export function signatureSchemeOf(headers) {
  if (headers.has("signature-input")) return "rfc9421";
  if (headers.has("signature")) return "draft-cavage";
  return null;
}

function idOf(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  return typeof value.id === "string" ? value.id : null;
}

function recordReceived(state, ctx, activity) {
  const raw = ctx.data.body ?? {};
  state.received.push({
    id: activity.id?.href ?? null,
    type: typeof raw.type === "string" ? raw.type : activity.constructor.name,
    actor: activity.actorId?.href ?? null,
    object: idOf(raw.object),
    recipient: ctx.recipient, // null when it came through the shared inbox
    signature: ctx.data.signatureScheme,
    has_ld_signature: raw.signature !== undefined,
    has_proof: raw.proof !== undefined,
    received_at: new Date().toISOString(),
    activity: raw,
  });
}

// The local actors an activity is for: the inbox owner, or everyone for the shared inbox.
function localActorsAddressed(state, ctx) {
  if (ctx.recipient === null) return [...state.actors.values()];
  const actor = state.actor(ctx.recipient);
  return actor ? [actor] : [];
}

async function answerFollow(state, ctx, follow) {
  const parsed = follow.objectId ? ctx.parseUri(follow.objectId) : null;
  const local = parsed?.type === "actor" ? state.actor(parsed.identifier) : null;
  const follower = local === null || follow.id === null ? null : await follow.getActor(ctx);
  if (follower === null) return;
  const policy = local.followPolicy;
  if (policy !== "reject") {
    const followState = policy === "accept" ? "accepted" : "pending";
    local.followers.set(follower.id.href, { followId: follow.id.href, state: followState, recipient: follower });
  }
  if (policy === "ignore") return;
  const Answer = policy === "accept" ? Accept : Reject;
  const answer = new Answer({
    id: new URL(`#answers/${crypto.randomUUID()}`, ctx.getActorUri(local.name)),
    actor: ctx.getActorUri(local.name),
    object: follow,
  });
  // Like most servers, answer only after the Follow's POST has been answered.
  ctx.data.afterResponse.push(async () => {
    try {
      await ctx.sendActivity({ identifier: local.name }, follower, answer);
    } catch (error) {
      state.failedDeliveries.push({
        activity: answer.id.href,
        to: follower.id.href,
        error: String(error?.message ?? error),
      });
    }
  });
}

// An Accept or Reject settles the follow it names by id; one naming no follow of
// ours changes nothing, so a peer that answers with the wrong id is noticed.
function settleFollow(state, ctx, answer, accepted) {
  const followId = answer.objectId?.href;
  const remoteId = answer.actorId?.href;
  for (const actor of localActorsAddressed(state, ctx)) {
    const entry = actor.following.get(remoteId);
    if (entry === undefined || entry.followId !== followId) continue;
    if (accepted) entry.state = "accepted";
    else actor.following.delete(remoteId);
  }
}

// An Undo of a Follow removes the follower, when it names that follow's id.
function forgetUndoneFollow(state, ctx, undo) {
  const undoneId = idOf(ctx.data.body?.object);
  const remoteId = undo.actorId?.href;
  for (const actor of localActorsAddressed(state, ctx)) {
    if (actor.followers.get(remoteId)?.followId === undoneId) actor.followers.delete(remoteId);
  }
}

// A QuoteRequest for one of our notes: approved (Accept whose result is a
// QuoteAuthorization this peer then serves) or refused, as the actor's policy says.
async function answerQuoteRequest(state, ctx, request) {
  const parsed = request.objectId ? ctx.parseUri(request.objectId) : null;
  const local = parsed?.type === "object" ? state.actor(parsed.values.identifier) : null;
  const requester = await request.getActor(ctx);
  if (local === null || requester === null || !local.notes.has(request.objectId.href)) return;
  const quoting = request.instrumentId ?? (await request.getInstrument(ctx))?.id;
  let answer;
  if (local.quotePolicy === "accept") {
    const authorization = new QuoteAuthorization({
      id: ctx.getObjectUri(QuoteAuthorization, { identifier: local.name, id: crypto.randomUUID() }),
      attribution: ctx.getActorUri(local.name),
      interactingObject: quoting,
      interactionTarget: request.objectId,
    });
    local.quoteAuthorizations.set(authorization.id.href, authorization);
    answer = new Accept({
      id: new URL(`#answers/${crypto.randomUUID()}`, ctx.getActorUri(local.name)),
      actor: ctx.getActorUri(local.name),
      object: request,
      result: authorization.id,
    });
  } else {
    answer = new Reject({
      id: new URL(`#answers/${crypto.randomUUID()}`, ctx.getActorUri(local.name)),
      actor: ctx.getActorUri(local.name),
      object: request,
    });
  }
  ctx.data.afterResponse.push(async () => {
    try {
      await ctx.sendActivity({ identifier: local.name }, requester, answer);
    } catch (error) {
      state.failedDeliveries.push({ activity: answer.id.href, to: requester.id.href, error: String(error?.message ?? error) });
    }
  });
}

// An Accept or Reject of a QuoteRequest this peer sent: the quote is settled, and an
// accepted one carries its authorization from then on (an Update tells everyone).
async function settleQuote(state, ctx, answer, accepted) {
  const requestId = idOf(ctx.data.body?.object);
  for (const actor of state.actors.values()) {
    const sent = requestId ? actor.sent.get(requestId) : undefined;
    if (sent === undefined || !(sent.activity instanceof QuoteRequest)) continue;
    const entry = actor.notes.get(sent.activity.instrumentId?.href);
    if (entry === undefined) return true;
    entry.quoteState = accepted ? "accepted" : "rejected";
    if (!accepted) return true;
    entry.note = entry.note.clone({ quoteAuthorization: answer.resultId });
    const update = new Update({
      id: new URL(`#updates/${crypto.randomUUID()}`, ctx.getActorUri(actor.name)),
      actor: ctx.getActorUri(actor.name),
      object: entry.note,
      tos: entry.note.toIds,
      ccs: entry.note.ccIds,
    });
    ctx.data.afterResponse.push(async () => {
      try {
        await ctx.sendActivity({ identifier: actor.name }, "followers", update, { preferSharedInbox: true });
      } catch (error) {
        state.failedDeliveries.push({ activity: update.id.href, to: "followers", error: String(error?.message ?? error) });
      }
    });
    return true;
  }
  return false;
}

// A Move of an account our actors follow: follow the new account, as Mastodon does,
// when it names the old one among its aliases.
async function followMovedAccount(state, ctx, move) {
  const oldId = move.actorId?.href;
  const target = await move.getTarget(ctx);
  if (oldId === undefined || target === null) return;
  if (!target.aliasIds.some((alias) => alias.href === oldId)) return;
  for (const local of state.actors.values()) {
    if (!local.following.has(oldId)) continue;
    local.following.delete(oldId);
    const follow = new Follow({
      id: new URL(`#follows/${crypto.randomUUID()}`, ctx.getActorUri(local.name)),
      actor: ctx.getActorUri(local.name),
      object: target.id,
    });
    local.following.set(target.id.href, { followId: follow.id.href, state: "pending" });
    local.sent.set(follow.id.href, { activity: follow, actors: [target], followers: false });
    ctx.data.afterResponse.push(async () => {
      try {
        await ctx.sendActivity({ identifier: local.name }, target, follow);
      } catch (error) {
        state.failedDeliveries.push({ activity: follow.id.href, to: target.id.href, error: String(error?.message ?? error) });
      }
    });
  }
}

export function createPeerFederation(state, origin) {
  const federation = createFederation({
    kv: new MemoryKvStore(),
    origin,
    allowPrivateAddress: true,
    skipSignatureVerification: false,
    circuitBreaker: false,
    userAgent: "fediserver-interop-peer (Fedify 2.3.6)",
  });

  federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (state.actor(identifier) === null) return null;
      const keys = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: `Peer ${identifier}`,
        summary: "An interop test actor served by Fedify",
        url: ctx.getActorUri(identifier),
        inbox: ctx.getInboxUri(identifier),
        outbox: ctx.getOutboxUri(identifier),
        followers: state.actor(identifier).hideFollowers ? null : ctx.getFollowersUri(identifier),
        following: ctx.getFollowingUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        manuallyApprovesFollowers: state.actor(identifier).followPolicy !== "accept",
        publicKey: keys[0].cryptographicKey,
        assertionMethods: keys.map((key) => key.multikey),
        aliases: state.actor(identifier).aliases.map((id) => new URL(id)),
        successor: state.actor(identifier).movedTo ? new URL(state.actor(identifier).movedTo) : null,
      });
    })
    .mapHandle((_ctx, username) => (state.actor(username) === null ? null : username))
    .setKeyPairsDispatcher(async (_ctx, identifier) => {
      const actor = state.actor(identifier);
      return actor === null ? [] : await keyPairsOf(actor);
    });

  federation.setObjectDispatcher(
    Note,
    "/users/{identifier}/notes/{id}",
    (ctx, { identifier, id }) => {
      const noteId = ctx.getObjectUri(Note, { identifier, id }).href;
      const actor = state.actor(identifier);
      const note = actor?.notes.get(noteId)?.note ?? null;
      const replies = actor?.replies.get(noteId) ?? [];
      if (note === null || replies.length === 0) return note;
      return note.clone({
        replies: new Collection({ id: new URL(`${noteId}/replies`), items: replies.map((reply) => new URL(reply)) }),
      });
    },
  );

  federation.setObjectDispatcher(
    QuoteAuthorization,
    "/users/{identifier}/quote_authorizations/{id}",
    (ctx, { identifier, id }) => {
      const authorizationId = ctx.getObjectUri(QuoteAuthorization, { identifier, id }).href;
      return state.actor(identifier)?.quoteAuthorizations.get(authorizationId) ?? null;
    },
  );

  // Followers as plain recipients, so the collection lists their ids and
  // sendActivity(..., "followers") finds their inboxes.
  const acceptedFollowers = (actor) =>
    [...actor.followers.values()]
      .filter((entry) => entry.state === "accepted")
      .map(({ recipient }) => ({ id: recipient.id, inboxId: recipient.inboxId, endpoints: recipient.endpoints }));
  const acceptedFollowing = (actor) =>
    [...actor.following.entries()].filter(([, entry]) => entry.state === "accepted").map(([id]) => new URL(id));

  federation
    .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
      const actor = state.actor(identifier);
      return actor === null ? null : { items: acceptedFollowers(actor) };
    })
    .setCounter((_ctx, identifier) => acceptedFollowers(state.actor(identifier) ?? { followers: new Map() }).length);

  federation
    .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
      const actor = state.actor(identifier);
      return actor === null ? null : { items: acceptedFollowing(actor) };
    })
    .setCounter((_ctx, identifier) => acceptedFollowing(state.actor(identifier) ?? { following: new Map() }).length);

  federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
    const actor = state.actor(identifier);
    if (actor === null) return null;
    const items = [...actor.sent.values()]
      .map((entry) => entry.activity)
      .filter((activity) => activity instanceof Create || activity instanceof Announce)
      .reverse();
    return { items };
  });

  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Follow, async (ctx, follow) => {
      recordReceived(state, ctx, follow);
      await answerFollow(state, ctx, follow);
    })
    .on(Accept, async (ctx, accept) => {
      recordReceived(state, ctx, accept);
      if (!(await settleQuote(state, ctx, accept, true))) settleFollow(state, ctx, accept, true);
    })
    .on(Reject, async (ctx, reject) => {
      recordReceived(state, ctx, reject);
      if (!(await settleQuote(state, ctx, reject, false))) settleFollow(state, ctx, reject, false);
    })
    .on(QuoteRequest, async (ctx, request) => {
      recordReceived(state, ctx, request);
      await answerQuoteRequest(state, ctx, request);
    })
    .on(Move, async (ctx, move) => {
      recordReceived(state, ctx, move);
      await followMovedAccount(state, ctx, move);
    })
    .on(Undo, (ctx, undo) => {
      recordReceived(state, ctx, undo);
      forgetUndoneFollow(state, ctx, undo);
    })
    .on(Create, (ctx, activity) => recordReceived(state, ctx, activity))
    .on(Update, (ctx, activity) => recordReceived(state, ctx, activity))
    .on(Delete, (ctx, activity) => recordReceived(state, ctx, activity))
    .on(Like, (ctx, activity) => recordReceived(state, ctx, activity))
    .on(Announce, (ctx, activity) => recordReceived(state, ctx, activity))
    .on(Activity, (ctx, activity) => recordReceived(state, ctx, activity))
    .onUnverifiedActivity((ctx, activity, reason) => {
      state.rejected.push({
        id: activity.id?.href ?? null,
        type: ctx.data.body?.type ?? activity.constructor.name,
        actor: activity.actorId?.href ?? null,
        reason: reason.type,
        key_id: reason.keyId?.href ?? null,
        signature: ctx.data.signatureScheme,
        received_at: new Date().toISOString(),
        activity: ctx.data.body,
      });
    })
    .onError((_ctx, error) => {
      process.stderr.write(`inbox listener error: ${error?.stack ?? error}\n`);
    });

  return federation;
}
