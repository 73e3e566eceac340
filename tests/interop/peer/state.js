// In-memory state of the interop peer: its actors' keys, follow relations,
// posts, the activities it sent, and every activity that reached its inboxes.
// Nothing here survives a restart; `reset()` empties everything but the keys.

export class ActorState {
  constructor(name) {
    this.name = name;
    this.keyPairs = null; // filled lazily: [{privateKey, publicKey}] RSA then Ed25519
    this.resetSettings();
    this.clear();
  }

  resetSettings() {
    this.followPolicy = "accept"; // "accept" | "reject" | "ignore"
    this.hideFollowers = false; // true: the actor document publishes no followers collection
    this.aliases = []; // alsoKnownAs (actor ids)
    this.movedTo = null; // movedTo (an actor id) once moved
    this.quotePolicy = "accept"; // how QuoteRequests for this actor's notes are answered
  }

  clear() {
    // actor id -> { followId, state: "pending"|"accepted"|"rejected", actor }
    this.following = new Map();
    // actor id -> { followId, recipient: {id, inboxId, endpoints} }
    this.followers = new Map();
    // note id -> Note (Fedify object); deleted notes are removed
    this.notes = new Map();
    // activity id -> { activity (Fedify object), recipients (Fedify objects) }
    this.sent = new Map();
    // note id -> ids of the replies to it (this actor's own), for its replies collection
    this.replies = new Map();
    // authorization id -> QuoteAuthorization (Fedify object) this actor granted
    this.quoteAuthorizations = new Map();
  }
}

export class PeerState {
  constructor(actorNames) {
    this.actors = new Map(actorNames.map((name) => [name, new ActorState(name)]));
    this.received = []; // verified incoming activities, oldest first
    this.rejected = []; // incoming activities whose signature could not be verified
    this.failedDeliveries = []; // answers to Follows that could not be delivered
  }

  actor(name) {
    return this.actors.get(name) ?? null;
  }

  reset() {
    for (const actor of this.actors.values()) {
      actor.clear();
      actor.resetSettings();
    }
    this.received = [];
    this.rejected = [];
    this.failedDeliveries = [];
  }
}
