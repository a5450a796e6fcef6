import assert from 'node:assert/strict';
import { escapeHtml, Html, html, joinHtml, trustedHtml } from '@hcw/common';

describe('html tag: pages escape by default', () => {
  it('escapes text placed in the template, in content and in attributes', () => {
    const name = `<script>alert('x')</script> & "quoted"`;
    const page = html`<p title="${name}">${name}</p>`.toString();
    const escaped = '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;';
    assert.equal(page, `<p title="${escaped}">${escaped}</p>`);
    assert.ok(!page.includes('<script>'));
  });

  it('keeps markup made by the tag as it is, once', () => {
    const inner = html`<strong>${'a < b'}</strong>`;
    assert.equal(html`<p>${inner}</p>`.toString(), '<p><strong>a &lt; b</strong></p>');
  });

  it('writes lists joined and leaves false, null and undefined out', () => {
    const items = ['<a>', 'b'].map((item) => html`<li>${item}</li>`);
    const markup = html`<ul>${items}</ul>${false}${null}${undefined}${3}`;
    assert.equal(markup.toString(), '<ul><li>&lt;a&gt;</li><li>b</li></ul>3');
  });

  it('joins with a separator and skips empty parts', () => {
    assert.equal(joinHtml(['a&', '', false, html`<b>b</b>`], ' ・ ').toString(), 'a&amp; ・ <b>b</b>');
  });

  it('takes markup declared trusted as it is', () => {
    assert.equal(html`${trustedHtml('<svg></svg>')}`.toString(), '<svg></svg>');
  });

  it('cannot be forged around the tag (control: an object posing as markup is escaped as text)', () => {
    const forged = { toString: () => '<b>forged</b>' } as unknown as string;
    assert.equal(html`${forged}`.toString(), '&lt;b&gt;forged&lt;/b&gt;');
    const HtmlConstructor = Html as unknown as new (markup: string, made: symbol) => Html;
    assert.throws(() => new HtmlConstructor('<b>', Symbol('Html')), TypeError);
  });

  it('escapes plain text the same way outside templates', () => {
    assert.equal(escapeHtml(`<&>"'`), '&lt;&amp;&gt;&quot;&#39;');
  });
});
