import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { TEXT_INPUT_MAX_CHARACTERS, TYPE_TEXT_PATH } from '@hcw/common';
import { testInternalCa } from '#test-support/test-internal-ca.js';
import { callAgent, startTestDesktop, type TestDesktop } from '../support/test-desktop.js';
import { startTestSite, type TestSite } from '../support/test-site.js';

/** A passage as a practitioner would enter it: kanji, both kana, full- and half-width digits, punctuation. */
function aPassage(length = 200): string {
  const base =
    '訪問時、血圧は１３８／８２ｍｍＨｇ、脈拍72回／分。ご本人は「夜はよく眠れた」とのこと。' +
    'ケアマネジャーへ連絡済み（10時30分）。服薬カレンダーを確認し、残薬なし！次回訪問は金曜日？' +
    'ぱぴぷぺぽ・ヴァイオリン～、ｶﾀｶﾅ半角も。';
  let text = '';
  while ([...text].length < length) text += base;
  return [...text].slice(0, length).join('');
}

async function focusedNote(page: Page): Promise<void> {
  await page.evaluate(() => {
    const note = document.getElementById('note') as HTMLTextAreaElement;
    note.value = '';
    note.focus();
  });
}

const noteValue = (page: Page): Promise<string> =>
  page.evaluate(() => (document.getElementById('note') as HTMLTextAreaElement).value);

/**
 * The agent answers once the kiosk has read the clipboard; the page inserts the text a moment later (longer
 * on a busy machine). So the field is read again until it holds what is awaited, for a few seconds at most,
 * and then whatever it holds is returned for the assertion to show.
 */
async function noteValueOnce(page: Page, isAwaited: (value: string) => boolean): Promise<string> {
  const deadline = Date.now() + 5000;
  let value = await noteValue(page);
  while (!isAwaited(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await noteValue(page);
  }
  return value;
}
const noteValueOnceItIs = (page: Page, expected: string): Promise<string> =>
  noteValueOnce(page, (value) => value === expected);

describe('Japanese text entry into the kiosk', function () {
  this.timeout(90000);
  let desktop: TestDesktop;
  let site: TestSite;
  let browser: Browser | undefined;
  let page: Page;

  before(async () => {
    site = await startTestSite('テキスト入力');
    desktop = await startTestDesktop({ debugPages: true });
    await desktop.startSession('nurse.text', `${site.url}/`);
    ({ browser, page } = await desktop.connect(site.url));
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    await desktop?.stop();
    await site?.close();
  });

  it('types a 200-character passage of kanji, kana, digits and punctuation intact into the focused field', async () => {
    const passage = aPassage(200);
    assert.equal([...passage].length, 200);
    await focusedNote(page);
    const { status, body } = await desktop.call('POST', TYPE_TEXT_PATH, { text: passage });
    assert.equal(status, 204, JSON.stringify(body));
    assert.equal(await noteValueOnceItIs(page, passage), passage);
  });

  it('keeps newlines', async () => {
    await focusedNote(page);
    const text = '一行目\n二行目\n三行目';
    assert.equal((await desktop.call('POST', TYPE_TEXT_PATH, { text })).status, 204);
    assert.equal(await noteValueOnceItIs(page, text), text);
  });

  it('leaves nothing on the clipboard afterwards', async () => {
    await focusedNote(page);
    assert.equal((await desktop.call('POST', TYPE_TEXT_PATH, { text: '在宅療養' })).status, 204);
    assert.equal(await noteValueOnceItIs(page, '在宅療養'), '在宅療養');
    const deadline = Date.now() + 5000;
    while (desktop.readSelection('clipboard') !== '' && Date.now() < deadline) await page.waitForTimeout(100);
    assert.equal(desktop.readSelection('clipboard'), '');
  });

  it('gets the text into a page that is slow to handle the paste', async () => {
    // A page busy before the text goes in (its beforeinput handler): Chromium inserts the text only afterwards,
    // and only while the clipboard keeps the owner it read the text from. Emptying the clipboard as soon as it
    // had been read lost this text (and, on a busy machine, any text).
    await focusedNote(page);
    await page.evaluate(() => {
      const note = document.getElementById('note') as HTMLTextAreaElement;
      note.addEventListener(
        'beforeinput',
        () => {
          const until = Date.now() + 400;
          while (Date.now() < until);
        },
        { once: true },
      );
    });
    assert.equal((await desktop.call('POST', TYPE_TEXT_PATH, { text: '褥瘡なし' })).status, 204);
    assert.equal(await noteValueOnceItIs(page, '褥瘡なし'), '褥瘡なし');
  });

  it('never interleaves texts sent at the same time', async () => {
    await focusedNote(page);
    const texts = ['あ'.repeat(40), 'イ'.repeat(40), '山'.repeat(40), '１'.repeat(40)];
    const answers = await Promise.all(texts.map((text) => desktop.call('POST', TYPE_TEXT_PATH, { text })));
    assert.deepEqual(
      answers.map((a) => a.status),
      [204, 204, 204, 204],
    );
    const value = await noteValueOnce(page, (typed) => typed.length >= 160);
    assert.equal(value.length, 160, value);
    // Each text arrives whole: the value is the four blocks in some order.
    const blocks = value.match(/(.)\1{39}/gu) ?? [];
    assert.deepEqual([...blocks].sort(), [...texts].sort());
  });

  it('accepts the longest text allowed', async () => {
    await focusedNote(page);
    const text = aPassage(TEXT_INPUT_MAX_CHARACTERS);
    assert.equal((await desktop.call('POST', TYPE_TEXT_PATH, { text })).status, 204);
    assert.equal(await noteValueOnceItIs(page, text), text);
  });

  describe('a body that is not text a keyboard could make', () => {
    const cases: [string, unknown, RegExp][] = [
      ['empty text', { text: '' }, /1 to 2000 characters/],
      ['text one character too long', { text: '字'.repeat(TEXT_INPUT_MAX_CHARACTERS + 1) }, /it is 2001/],
      ['a control character', { text: '呼び鈴\u0007' }, /control characters.*U\+0007/],
      ['a carriage return', { text: '一行目\r\n二行目' }, /U\+000D/],
      ['an escape sequence', { text: '\u001b[31m赤' }, /U\+001B/],
      ['a lone surrogate', { text: 'a\ud800b' }, /U\+D800/],
      ['no text field', { words: '文字' }, /text: Required/],
      ['a number instead of text', { text: 42 }, /text: Expected string/],
    ];
    for (const [name, body, message] of cases) {
      it(`refuses ${name}`, async () => {
        const before = await noteValue(page);
        const { status, body: answer } = await desktop.call('POST', TYPE_TEXT_PATH, body);
        assert.equal(status, 400);
        assert.match((answer as { error: string }).error, message);
        assert.equal(await noteValue(page), before, 'nothing was typed');
      });
    }

    it('refuses a body that is not JSON', async () => {
      const { status, body } = await desktop.call('POST', TYPE_TEXT_PATH, '{"text": "未完');
      assert.equal(status, 400);
      assert.match((body as { error: string }).error, /not JSON/);
    });

    it('counts characters, not UTF-16 units: 2000 emoji are allowed (control for the length check)', async () => {
      // Only validated here: a 4000-unit string passes the schema, which a UTF-16 count would refuse.
      const { TypeTextRequest } = await import('@hcw/common');
      assert.equal(TypeTextRequest.safeParse({ text: '😀'.repeat(TEXT_INPUT_MAX_CHARACTERS) }).success, true);
      assert.equal(
        TypeTextRequest.safeParse({ text: '😀'.repeat(TEXT_INPUT_MAX_CHARACTERS + 1) }).success,
        false,
      );
    });
  });

  describe('who may ask, and the session', () => {
    it('types for the broker only: no client certificate, or one that is not the broker’s, is refused', async () => {
      await assert.rejects(callAgent(desktop.agentUrl, 'POST', TYPE_TEXT_PATH, { text: '証明書なし' }, null));
      const other = testInternalCa().ca.issue('text-client', {
        commonName: 'text-client',
        usage: 'client',
        uris: ['urn:hcw:service:portal'],
      });
      const notTheBroker = await callAgent(
        desktop.agentUrl,
        'POST',
        TYPE_TEXT_PATH,
        { text: '別の相手' },
        { cert: readFileSync(other.certFile, 'utf8'), key: readFileSync(other.keyFile, 'utf8') },
      );
      assert.equal(notTheBroker.status, 403);
    });

    it('answers 409 when no session runs', async () => {
      await browser?.close();
      browser = undefined;
      await desktop.endSession();
      const { status, body } = await desktop.call('POST', TYPE_TEXT_PATH, { text: '誰もいない' });
      assert.equal(status, 409);
      assert.match((body as { error: string }).error, /no session/);
    });
  });
});
