// Writes Object Integrity Proof test vectors made by Fedify (an independent
// implementation of FEP-8b32, eddsa-jcs-2022) to stdout as JSON: an Ed25519 key
// as a Multikey, and a Create(Note) and a Note signed with it.
//
//   node_modules/.bin/node proof-vectors.mjs > ../../fixtures/proofs/fedify-eddsa-jcs-2022.json

import { generateCryptoKeyPair, signObject } from "@fedify/fedify";
import { Create, Multikey, Note, PUBLIC_COLLECTION } from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
import { asSent } from "./wire.js";

const actor = new URL("https://peer.example/users/bob");
const keyId = new URL("https://peer.example/users/bob#ed25519-key");
const { privateKey, publicKey } = await generateCryptoKeyPair("Ed25519");
const multikey = new Multikey({ id: keyId, controller: actor, publicKey });

const note = new Note({
  id: new URL("https://peer.example/users/bob/notes/1"),
  attribution: actor,
  content: "<p>Signed with an integrity proof: ünïcödé, 😀, \"quotes\" &amp; numbers 1e3</p>",
  tos: [PUBLIC_COLLECTION],
  published: Temporal.Instant.from("2026-11-29T12:00:00Z"),
});
const create = new Create({
  id: new URL("https://peer.example/users/bob/notes/1/activity"),
  actor,
  object: note,
  tos: [PUBLIC_COLLECTION],
});
const signedCreate = await signObject(create, privateKey, keyId);
const signedNote = await signObject(note, privateKey, keyId);

process.stdout.write(JSON.stringify({
  source: "made by tests/interop/peer/proof-vectors.mjs with @fedify/fedify 2.3.6",
  actor: {
    id: actor.href,
    assertionMethod: [await multikey.toJsonLd({ format: "compact", contextLoader: undefined })],
  },
  create: asSent(await signedCreate.toJsonLd({ format: "compact" })),
  note: asSent(await signedNote.toJsonLd({ format: "compact" })),
}, null, 2) + "\n");
