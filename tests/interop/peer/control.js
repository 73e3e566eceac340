// The control API of the interop peer, served under /_control/ with JSON in
// and out, so a test can make the peer's actors look up, follow, post, like,
// announce, update, delete and undo, and read what reached their inboxes.

import { Temporal } from "@js-temporal/polyfill";
import { signObject, signRequest } from "@fedify/fedify";
import {
  Announce,
  Create,
  Delete,
  Flag,
  Follow,
  InteractionPolicy,
  InteractionRule,
  Like,
  Mention,
  Move,
  Note,
  PUBLIC_COLLECTION,
  QuoteRequest,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { ControlError } from "./errors.js";
import { authorOf, describeActor, resolveActor } from "./remote.js";
import { asSent } from "./wire.js";

function json(status, body) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function newId(ctx, name, kind) {
  return new URL(`#${kind}/${crypto.randomUUID()}`, ctx.getActorUri(name));
}

// Delivers one activity to the actor's followers and/or some actors; never throws,
// reports each delivery instead so a test can see which one failed and why.
async function deliver(ctx, name, activity, { followers = false, actors = [], preferSharedInbox = false }) {
  const results = [];
  const send = async (label, recipients) => {
    try {
      await ctx.sendActivity({ identifier: name }, recipients, activity, { preferSharedInbox });
      results.push({ to: label, ok: true });
    } catch (error) {
      results.push({ to: label, ok: false, error: String(error?.message ?? error) });
    }
  };
  if (followers) await send("followers", "followers");
  for (const actor of actors) await send(actor.id.href, actor);
  return results;
}

function localActor(state, body) {
  const name = body.actor;
  const actor = state.actor(name);
  if (actor === null) throw new ControlError(404, `no local actor named ${name}`);
  return actor;
}

function urlField(body, field) {
  try {
    return new URL(body[field]);
  } catch {
    throw new ControlError(400, `${field} must be an absolute URL`);
  }
}

function ownNote(actor, noteId) {
  const entry = actor.notes.get(noteId);
  if (entry === undefined) throw new ControlError(404, `${actor.name} has no note ${noteId}`);
  return entry;
}

const handlers = {
  "GET health": (state, ctx) => ({
    origin: ctx.origin,
    actors: [...state.actors.keys()].map((name) => ({
      name,
      id: ctx.getActorUri(name).href,
      handle: `${name}@${ctx.host}`,
    })),
  }),

  "POST lookup": async (state, ctx, body) => {
    try {
      const { actor, webfinger: jrd } = await resolveActor(ctx, body.target);
      return { actor: await describeActor(actor), webfinger: jrd, errors: [] };
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      return { actor: null, webfinger: error.details?.webfinger ?? null, errors: [error.message, error.details?.fetch].filter(Boolean) };
    }
  },

  // Fetches any document (an object, a collection) as the peer reads remote
  // documents: with Fedify's document loader, signed by `actor` when one is named.
  "POST fetch": async (state, ctx, body) => {
    const url = urlField(body, "url");
    const loader = body.actor === undefined
      ? ctx.documentLoader
      : await ctx.getDocumentLoader({ identifier: localActor(state, body).name });
    try {
      const { document, documentUrl } = await loader(url.href);
      return { document, document_url: documentUrl, errors: [] };
    } catch (error) {
      return { document: null, document_url: null, errors: [String(error?.message ?? error)] };
    }
  },

  "POST follow": async (state, ctx, body) => {
    const local = localActor(state, body);
    const { actor: target } = await resolveActor(ctx, body.target);
    const follow = new Follow({
      id: newId(ctx, local.name, "follows"),
      actor: ctx.getActorUri(local.name),
      object: target.id,
    });
    local.following.set(target.id.href, { followId: follow.id.href, state: "pending" });
    local.sent.set(follow.id.href, { activity: follow, actors: [target], followers: false });
    const deliveries = await deliver(ctx, local.name, follow, { actors: [target] });
    return { follow_id: follow.id.href, target: target.id.href, deliveries };
  },

  "POST unfollow": async (state, ctx, body) => {
    const local = localActor(state, body);
    const { actor: target } = await resolveActor(ctx, body.target);
    const entry = local.following.get(target.id.href);
    if (entry === undefined) throw new ControlError(404, `${local.name} does not follow ${target.id.href}`);
    local.following.delete(target.id.href);
    const follow = local.sent.get(entry.followId).activity;
    local.sent.delete(entry.followId);
    const undo = new Undo({ id: newId(ctx, local.name, "undos"), actor: ctx.getActorUri(local.name), object: follow });
    const deliveries = await deliver(ctx, local.name, undo, { actors: [target] });
    return { undo_id: undo.id.href, deliveries };
  },

  "POST post": async (state, ctx, body) => {
    const local = localActor(state, body);
    if (typeof body.content !== "string") throw new ControlError(400, "content must be a string");
    const mentioned = [];
    for (const target of body.mentions ?? []) mentioned.push((await resolveActor(ctx, target)).actor);
    const toFollowers = body.to_followers ?? true;
    const isPublic = body.public ?? true;
    const followersUri = ctx.getFollowersUri(local.name);
    const mentionIds = mentioned.map((actor) => actor.id);
    let tos, ccs;
    if (isPublic) [tos, ccs] = [[PUBLIC_COLLECTION], toFollowers ? [followersUri, ...mentionIds] : mentionIds];
    else if (toFollowers) [tos, ccs] = [[followersUri], mentionIds];
    else [tos, ccs] = [mentionIds, []]; // a direct message
    const noteId = ctx.getObjectUri(Note, { identifier: local.name, id: crypto.randomUUID() });
    const published = Temporal.Now.instant();
    const quote = body.quote ? urlField(body, "quote") : null;
    const note = new Note({
      id: noteId,
      attribution: ctx.getActorUri(local.name),
      content: body.content,
      summary: body.summary ?? null,
      sensitive: body.sensitive ?? false,
      replyTarget: body.in_reply_to ? urlField(body, "in_reply_to") : null,
      tags: mentioned.map((actor) => new Mention({ href: actor.id, name: `@${actor.preferredUsername}` })),
      tos,
      ccs,
      published,
      url: noteId,
      // FEP-044f: "quote"; or only the older "quoteUrl", as servers without quote approval write it.
      quote: quote && !body.quote_url_only ? quote : null,
      quoteUrl: quote,
      quoteAuthorization: body.quote_authorization ? urlField(body, "quote_authorization") : null,
      interactionPolicy: body.can_quote === undefined ? null : new InteractionPolicy({
        canQuote: new InteractionRule({
          automaticApprovals: body.can_quote.map((who) => (who === "public" ? PUBLIC_COLLECTION : new URL(who))),
        }),
      }),
    });
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: ctx.getActorUri(local.name),
      object: note,
      tos,
      ccs,
      published,
    });
    const audience = { followers: toFollowers, actors: mentioned, preferSharedInbox: body.prefer_shared_inbox ?? false };
    local.notes.set(noteId.href, { note, audience });
    local.sent.set(create.id.href, { activity: create, ...audience });
    if (body.in_reply_to && local.notes.has(body.in_reply_to)) {
      local.replies.set(body.in_reply_to, [...(local.replies.get(body.in_reply_to) ?? []), noteId.href]);
    }
    // deliver: false keeps it on this server only (a post the other side never saw).
    const deliveries = body.deliver === false ? [] : await deliver(ctx, local.name, create, audience);
    const answer = { note_id: noteId.href, create_id: create.id.href, deliveries };
    if (body.signed === true) {
      // The Create as it would travel, with this actor's integrity proof (Ed25519).
      const [, ed25519] = await ctx.getActorKeyPairs(local.name);
      const signed = await signObject(create, ed25519.privateKey, ed25519.multikey.id);
      answer.signed_create = asSent(await signed.toJsonLd({ format: "compact" }));
    }
    return answer;
  },

  "POST update": async (state, ctx, body) => {
    const local = localActor(state, body);
    const entry = ownNote(local, body.note);
    if (typeof body.content !== "string") throw new ControlError(400, "content must be a string");
    entry.note = entry.note.clone({ content: body.content, updated: Temporal.Now.instant() });
    const update = new Update({
      id: newId(ctx, local.name, "updates"),
      actor: ctx.getActorUri(local.name),
      object: entry.note,
      tos: entry.note.toIds,
      ccs: entry.note.ccIds,
    });
    local.sent.set(update.id.href, { activity: update, ...entry.audience });
    return { update_id: update.id.href, deliveries: await deliver(ctx, local.name, update, entry.audience) };
  },

  "POST delete": async (state, ctx, body) => {
    const local = localActor(state, body);
    const entry = ownNote(local, body.note);
    local.notes.delete(body.note);
    const del = new Delete({
      id: newId(ctx, local.name, "deletes"),
      actor: ctx.getActorUri(local.name),
      object: new Tombstone({ id: entry.note.id }),
      tos: entry.note.toIds,
      ccs: entry.note.ccIds,
    });
    local.sent.set(del.id.href, { activity: del, ...entry.audience });
    return { delete_id: del.id.href, deliveries: await deliver(ctx, local.name, del, entry.audience) };
  },

  "POST like": async (state, ctx, body) => {
    const local = localActor(state, body);
    const object = urlField(body, "object");
    const author = await authorOf(ctx, object);
    const like = new Like({ id: newId(ctx, local.name, "likes"), actor: ctx.getActorUri(local.name), object });
    local.sent.set(like.id.href, { activity: like, actors: [author], followers: false });
    return { like_id: like.id.href, deliveries: await deliver(ctx, local.name, like, { actors: [author] }) };
  },

  "POST announce": async (state, ctx, body) => {
    const local = localActor(state, body);
    const object = urlField(body, "object");
    const author = await authorOf(ctx, object);
    const announce = new Announce({
      id: newId(ctx, local.name, "announces"),
      actor: ctx.getActorUri(local.name),
      object,
      tos: [PUBLIC_COLLECTION],
      ccs: [ctx.getFollowersUri(local.name), author.id],
      published: Temporal.Now.instant(),
    });
    const audience = { followers: true, actors: [author] };
    local.sent.set(announce.id.href, { activity: announce, ...audience });
    return { announce_id: announce.id.href, deliveries: await deliver(ctx, local.name, announce, audience) };
  },

  "POST undo": async (state, ctx, body) => {
    const local = localActor(state, body);
    const entry = local.sent.get(body.activity);
    if (entry === undefined) throw new ControlError(404, `${local.name} sent no activity ${body.activity}`);
    local.sent.delete(body.activity);
    const undo = new Undo({ id: newId(ctx, local.name, "undos"), actor: ctx.getActorUri(local.name), object: entry.activity });
    if (entry.activity instanceof Follow) local.following.delete(entry.activity.objectId?.href);
    return { undo_id: undo.id.href, deliveries: await deliver(ctx, local.name, undo, entry) };
  },

  "POST settings": (state, ctx, body) => {
    const local = localActor(state, body);
    if (body.follow_policy !== undefined) {
      if (!["accept", "reject", "ignore"].includes(body.follow_policy)) {
        throw new ControlError(400, "follow_policy must be accept, reject or ignore");
      }
      local.followPolicy = body.follow_policy;
    }
    if (body.quote_policy !== undefined) {
      if (!["accept", "reject"].includes(body.quote_policy)) throw new ControlError(400, "quote_policy must be accept or reject");
      local.quotePolicy = body.quote_policy;
    }
    if (body.hide_followers !== undefined) local.hideFollowers = Boolean(body.hide_followers);
    if (body.aliases !== undefined) {
      if (!Array.isArray(body.aliases)) throw new ControlError(400, "aliases must be a list of actor ids");
      local.aliases = body.aliases.map(String);
    }
    return {
      actor: local.name, follow_policy: local.followPolicy, quote_policy: local.quotePolicy,
      hide_followers: local.hideFollowers, aliases: local.aliases,
    };
  },

  "POST quote_request": async (state, ctx, body) => {
    const local = localActor(state, body);
    const entry = ownNote(local, body.note);
    const quoted = urlField(body, "quoted");
    const author = await authorOf(ctx, quoted);
    const request = new QuoteRequest({
      id: new URL(`#quote_requests/${crypto.randomUUID()}`, ctx.getActorUri(local.name)),
      actor: ctx.getActorUri(local.name),
      object: quoted,
      instrument: entry.note,
    });
    local.sent.set(request.id.href, { activity: request, actors: [author], followers: false });
    return { request_id: request.id.href, deliveries: await deliver(ctx, local.name, request, { actors: [author] }) };
  },

  "GET note": (state, ctx, query) => {
    const local = localActor(state, { actor: query.get("actor") });
    const entry = ownNote(local, query.get("note"));
    return { quote_state: entry.quoteState ?? null, quote_authorization: entry.note.quoteAuthorizationId?.href ?? null };
  },

  "POST move": async (state, ctx, body) => {
    const local = localActor(state, body);
    const { actor: target } = await resolveActor(ctx, body.target);
    local.movedTo = target.id.href;
    const move = new Move({
      id: new URL(`#moves/${crypto.randomUUID()}`, ctx.getActorUri(local.name)),
      actor: ctx.getActorUri(local.name),
      object: ctx.getActorUri(local.name),
      target: target.id,
      tos: [ctx.getFollowersUri(local.name)],
    });
    return { move_id: move.id.href, deliveries: await deliver(ctx, local.name, move, { followers: true, preferSharedInbox: true }) };
  },

  // Reports an actor (and some of its objects) to the actor's server, as a Flag
  // from this actor, the way servers forward a report.
  "POST flag": async (state, ctx, body) => {
    const local = localActor(state, body);
    const { actor: target } = await resolveActor(ctx, body.target);
    const objects = [target.id, ...(body.objects ?? []).map((object) => new URL(object))];
    const flag = new Flag({
      id: newId(ctx, local.name, "flags"),
      actor: ctx.getActorUri(local.name),
      objects,
      content: body.content ?? null,
    });
    return { flag_id: flag.id.href, deliveries: await deliver(ctx, local.name, flag, { actors: [target] }) };
  },

  "POST forward": async (state, ctx, body) => {
    // Posts someone else's activity (as received, proof and all) to an inbox,
    // HTTP-signed by this actor: what a server forwarding a reply does.
    const local = localActor(state, body);
    const inbox = urlField(body, "inbox");
    if (body.activity === null || typeof body.activity !== "object") throw new ControlError(400, "activity must be an object");
    const [rsa] = await ctx.getActorKeyPairs(local.name);
    const request = await signRequest(new Request(inbox, {
      method: "POST",
      headers: { "content-type": "application/activity+json", accept: "application/json" },
      body: JSON.stringify(body.activity),
    }), rsa.privateKey, rsa.keyId);
    const response = await fetch(request);
    return { status: response.status, body: (await response.text()).slice(0, 500) };
  },

  "GET inbox": (state, ctx, query) => ({
    activities: state.received.filter(
      (item) =>
        (!query.get("type") || item.type === query.get("type")) &&
        (!query.get("actor") || item.actor === query.get("actor")) &&
        (!query.get("recipient") || item.recipient === query.get("recipient")),
    ),
  }),

  "GET rejected": (state) => ({ activities: state.rejected }),

  "GET failures": (state) => ({ deliveries: state.failedDeliveries }),

  "GET following": (state, ctx, query) => ({
    following: [...localActor(state, { actor: query.get("actor") }).following.entries()].map(
      ([id, entry]) => ({ id, state: entry.state, follow_id: entry.followId }),
    ),
  }),

  "GET followers": (state, ctx, query) => ({
    followers: [...localActor(state, { actor: query.get("actor") }).followers.entries()].map(
      ([id, entry]) => ({
        id,
        state: entry.state,
        follow_id: entry.followId,
        inbox: entry.recipient.inboxId?.href ?? null,
        shared_inbox: entry.recipient.endpoints?.sharedInbox?.href ?? null,
      }),
    ),
  }),

  "POST reset": (state) => {
    state.reset();
    return { ok: true };
  },
};

export async function handleControl(state, federation, request) {
  const url = new URL(request.url);
  const name = url.pathname.slice("/_control/".length);
  const handler = handlers[`${request.method} ${name}`];
  if (handler === undefined) return json(404, { error: `no control endpoint ${request.method} /_control/${name}` });
  let input = url.searchParams;
  if (request.method === "POST") {
    try {
      input = await request.json();
    } catch {
      return json(400, { error: "the body must be a JSON object" });
    }
    if (input === null || typeof input !== "object") return json(400, { error: "the body must be a JSON object" });
  }
  const ctx = federation.createContext(new URL(url.origin), {});
  try {
    return json(200, await handler(state, ctx, input));
  } catch (error) {
    if (error instanceof ControlError) return json(error.status, { error: error.message, details: error.details ?? null });
    process.stderr.write(`control ${name} failed: ${error?.stack ?? error}\n`);
    return json(500, { error: String(error?.message ?? error) });
  }
}
