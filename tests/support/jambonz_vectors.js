// Signature vectors for jambonz's webhooks (Jambonz-Signature), checked by jambonz's own Node
// client.
//
//     npm install @jambonz/node-client@0.4.11
//     node tests/support/jambonz_vectors.js
//
// jambonz signs "{t}.{raw JSON body}" with HMAC-SHA256 under the application's webhook secret
// and sends `t=<unix seconds>,v1=<hex>` in Jambonz-Signature. It publishes no vectors, so this
// signs a gather webhook's body with a made-up secret and has the client's own
// WebhookResponse.verifyJambonzSignature accept it (its clock held at the signing time), then
// prints what core/src/telephony/jambonz/signature.rs's tests pin.
const crypto = require('crypto');
const { WebhookResponse } = require('@jambonz/node-client');

const SECRET = 'wh_secret_ivrpayTestOnly0123456789';
const TIMESTAMP = 1796599841;
const BODY = JSON.stringify({
  call_sid: '5b2a5f1e-5c8b-4b5e-9c3a-0a1b2c3d4e5f',
  from: '+15552126618',
  to: '+18005550100',
  call_status: 'in-progress',
  reason: 'dtmfDetected',
  digits: '6446',
});
const signature = crypto.createHmac('sha256', SECRET).update(`${TIMESTAMP}.${BODY}`, 'utf8').digest('hex');
const header = `t=${TIMESTAMP},v1=${signature}`;

const realNow = Date.now;
Date.now = () => (TIMESTAMP + 10) * 1000;
let accepted = false;
WebhookResponse.verifyJambonzSignature(SECRET)(
  { get: () => header, body: Buffer.from(BODY), url: '/jambonz/gather' },
  {},
  () => { accepted = true; },
);
Date.now = realNow;
if (!accepted) throw new Error('the client refused the vector');
console.log(`secret ${SECRET}\nbody ${BODY}\nJambonz-Signature: ${header}`);
