import assert from 'node:assert/strict';
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { BadRequestError, ForbiddenError, HttpError, NotFoundError, UnauthorisedError } from '@hcw/common';
import { errorHandler as brokerErrors } from '#broker/http/errors.js';
import { errorHandler as portalErrors } from '#workspace-app/http/errors.js';

/** An app whose routes throw what each case needs, answered by the service's own error handler. */
function anApp(errorHandler: ErrorRequestHandler): express.Express {
  const app = express();
  app.use(express.json({ limit: '1kb' }));
  app.get('/refused', () => {
    throw new ForbiddenError();
  });
  app.get('/busy', () => {
    throw new HttpError(503, '混み合っています。', 'Busy.', 'busy', 30);
  });
  app.get('/broken', () => {
    throw new Error('a secret detail of the failure');
  });
  app.post('/echo', (req, res) => void res.json(req.body));
  app.use(errorHandler);
  return app;
}

describe('one error kit for the broker and the portal', () => {
  it('names a code for each kind of refusal, and keeps a code given', () => {
    assert.equal(new BadRequestError('誤り', 'Wrong').code, 'bad-request');
    assert.equal(new UnauthorisedError().code, 'sign-in-required');
    assert.equal(new ForbiddenError().code, 'forbidden');
    assert.equal(new NotFoundError('なし', 'None').code, 'not-found');
    assert.equal(new HttpError(409, '競合', 'Conflict', 'edit-conflict').code, 'edit-conflict');
    assert.equal(new HttpError(500, '失敗', 'Failed').code, 'server-error');
  });

  for (const [service, handler] of [
    ['broker', brokerErrors],
    ['portal', portalErrors],
  ] as const) {
    describe(`the ${service}`, () => {
      const app = anApp(handler);

      it('answers a refusal as { error: { ja, en, code } }, Japanese first', async () => {
        const res = await request(app).get('/refused').set('accept', 'application/json').expect(403);
        assert.deepEqual(Object.keys(res.body.error), ['ja', 'en', 'code']);
        assert.equal(res.body.error.code, 'forbidden');
        assert.match(res.body.error.ja, /許可されていません/);
      });

      it('says when to ask again, in the header and the body', async () => {
        const res = await request(app).get('/busy').set('accept', 'application/json').expect(503);
        assert.equal(res.headers['retry-after'], '30');
        assert.equal(res.body.retryAfterSeconds, 30);
        assert.equal(res.body.error.code, 'busy');
      });

      it('answers a body the parser refused as malformed, 4xx', async () => {
        const res = await request(app)
          .post('/echo')
          .set('content-type', 'application/json')
          .set('accept', 'application/json')
          .send('{"not json')
          .expect(400);
        assert.equal(res.body.error.code, 'malformed-request');
      });

      it('answers anything unexpected with 500 and nothing of what went wrong', async () => {
        const res = await request(app).get('/broken').set('accept', 'application/json').expect(500);
        assert.equal(res.body.error.code, 'server-error');
        assert.doesNotMatch(res.text, /secret detail/);
      });
    });
  }
});
