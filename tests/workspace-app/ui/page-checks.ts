import type { Page } from 'playwright-core';

/**
 * What a page must be on any device, measured in the browser as it lays the page out. Each check returns
 * what it found wrong (empty when the page passes), so a failing assertion names the culprits.
 */

/** Smallest size of a tap target, and of body text, in CSS pixels. */
export const MIN_TARGET_PX = 44;
export const MIN_TEXT_PX = 14;
/** Below this width a page is one column and its tables are cards. */
export const NARROW_MAX_PX = 480;

/** The page is no wider than the viewport: nothing to scroll sideways. */
export async function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const viewport = document.documentElement.clientWidth;
    const width = document.documentElement.scrollWidth;
    if (width <= window.innerWidth) return [];
    const culprits = Array.from(document.querySelectorAll('body *'))
      .filter((element) => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.right > viewport + 1 && element.checkVisibility();
      })
      .slice(0, 5)
      .map(
        (element) => `${describe(element)} reaches ${Math.round(element.getBoundingClientRect().right)}px`,
      );
    return [`the page is ${width}px wide in a ${window.innerWidth}px viewport`, ...culprits];

    function describe(element: Element): string {
      const classes = element.getAttribute('class');
      return `<${element.tagName.toLowerCase()}${classes ? ` class="${classes}"` : ''}>`;
    }
  });
}

/**
 * Every piece of text on the page is at least 14 CSS px (computed, as rendered at device scale 1). The
 * schematic map's tile names are part of a picture scaled to the width; they are not body text, and the
 * list beside the map says the same in body text.
 */
export async function smallText(page: Page, minimum = MIN_TEXT_PX): Promise<string[]> {
  return page.evaluate((min) => {
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set<Element>();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!element || seen.has(element) || !node.textContent?.trim()) continue;
      seen.add(element);
      if (element.closest('svg, script, style, template, title') || !element.checkVisibility()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (range.getClientRects().length === 0) continue;
      const size = parseFloat(getComputedStyle(element).fontSize);
      if (size < min) found.push(`${size}px: “${node.textContent.trim().slice(0, 30)}”`);
    }
    return found;
  }, minimum);
}

const INTERACTIVE =
  'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/**
 * Every element a user can tap is at least 44×44 CSS px; a checkbox or radio button counts with its label
 * (the label is what a finger taps). A smaller link passes when a full-size link on the page leads to the
 * same place (WCAG 2.5.8's "equivalent"): the transfer map's tiles, repeated in the list beneath the map.
 */
export async function smallTargets(page: Page, minimum = MIN_TARGET_PX): Promise<string[]> {
  return page.evaluate(
    ({ selector, min }) => {
      const measured = Array.from(document.querySelectorAll(selector)).flatMap((element) => {
        if (!element.checkVisibility({ checkVisibilityCSS: true })) return [];
        if (getComputedStyle(element).pointerEvents === 'none') return [];
        let box = element.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) return [];
        if (element instanceof HTMLInputElement && ['checkbox', 'radio'].includes(element.type)) {
          const label =
            element.closest('label') ??
            (element.id ? document.querySelector(`label[for="${CSS.escape(element.id)}"]`) : null);
          if (label) box = label.getBoundingClientRect();
        }
        const isBigEnough = box.width + 0.5 >= min && box.height + 0.5 >= min;
        return [{ element, box, isBigEnough, href: element.getAttribute('href') }];
      });
      const bigLinks = new Set(measured.filter((m) => m.isBigEnough && m.href).map((m) => m.href));
      return measured
        .filter((m) => !m.isBigEnough && !(m.href && bigLinks.has(m.href)))
        .map(({ element, box }) => {
          const text = (element.textContent ?? '').trim().slice(0, 24) || element.getAttribute('name') || '';
          return `<${element.tagName.toLowerCase()}> “${text}” is ${Math.round(box.width)}×${Math.round(box.height)}px`;
        });
    },
    { selector: INTERACTIVE, min: minimum },
  );
}

/**
 * Under 480 px every table is a stack of cards: no table layout left, every row a block, and every cell
 * with content named, by its own label (`data-label`, shown before it) or by the row's header cell.
 */
export async function tablesNotCards(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const table of Array.from(document.querySelectorAll('main table'))) {
      if (!table.checkVisibility()) continue;
      const name = table.getAttribute('class') ?? 'table';
      if (getComputedStyle(table).display.startsWith('table')) {
        found.push(`${name} is laid out as a table`);
        continue;
      }
      for (const row of Array.from(table.querySelectorAll('tbody tr, :scope > tr'))) {
        if (getComputedStyle(row).display === 'table-row') found.push(`a row of ${name} is a table row`);
        const hasRowHeader = row.querySelector('th') !== null;
        for (const cell of Array.from(row.querySelectorAll('td'))) {
          const hasContent = (cell.textContent ?? '').trim() !== '';
          const onlyControls = cell.querySelector('button, a[href]') !== null && !hasContent;
          const label = getComputedStyle(cell, '::before').content;
          const isLabelled = label !== 'none' && label !== 'normal' && label !== '""';
          if (!isLabelled && !hasRowHeader && !onlyControls && !cell.querySelector('button')) {
            found.push(`a cell of ${name} (“${(cell.textContent ?? '').trim().slice(0, 20)}”) has no label`);
          }
        }
      }
    }
    return found;
  });
}

/**
 * Under 480 px the page is one column: no two blocks of content (cards, sections, form fields, table
 * cells, list cards) side by side. Vital signs, short numbers under their labels, may keep two to a row
 * (fieldset.compact); so may the buttons of an action bar and the choices of a question.
 */
export async function blocksSideBySide(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const blocks = Array.from(
      document.querySelectorAll(
        'main :is(.card, section, article, fieldset, .field, .tl-item, .tl-filters > label, .tl-form > label, .hit, .inquiry, .ward-card, th, td, .list > li, .items > li, .days > li, .versions > li)',
      ),
    ).filter(
      (element) =>
        element.checkVisibility() &&
        !element.closest('fieldset.compact') &&
        element.getBoundingClientRect().height > 0,
    );
    const found: string[] = [];
    for (let i = 0; i < blocks.length && found.length < 5; i++) {
      for (let j = i + 1; j < blocks.length && found.length < 5; j++) {
        const a = blocks[i]!;
        const b = blocks[j]!;
        if (a.contains(b) || b.contains(a)) continue;
        const boxA = a.getBoundingClientRect();
        const boxB = b.getBoundingClientRect();
        const overlapsVertically = Math.min(boxA.bottom, boxB.bottom) - Math.max(boxA.top, boxB.top) > 2;
        const besideEachOther = boxA.right <= boxB.left + 1 || boxB.right <= boxA.left + 1;
        if (overlapsVertically && besideEachOther) {
          found.push(
            `<${a.tagName.toLowerCase()} class="${a.getAttribute('class') ?? ''}"> beside <${b.tagName.toLowerCase()} class="${b.getAttribute('class') ?? ''}">`,
          );
        }
      }
    }
    return found;
  });
}

/**
 * Nothing is shown on hover only or needs a right-click: no tooltips (`title`) on the page's own elements,
 * no style that changes on hover, no context menu of the page's own.
 */
export async function hoverOrRightClickOnly(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll('body [title]'))) {
      if (!(element instanceof SVGElement))
        found.push(`<${element.tagName.toLowerCase()} title="${element.getAttribute('title')}">`);
    }
    for (const sheet of Array.from(document.styleSheets)) {
      for (const rule of Array.from(sheet.cssRules)) {
        const text = rule.cssText;
        if (/:hover|:focus-within/.test(text)) found.push(`${sheet.href ?? 'inline'}: ${text.slice(0, 80)}`);
      }
    }
    if (document.body.getAttribute('oncontextmenu') !== null) found.push('the page handles right-clicks');
    return found;
  });
}

/**
 * The header keeps to one line at every size: the title, and the menu's button or its links, each unbroken.
 * Where the links do not fit they fold into the menu rather than wrap.
 */
export async function headerWrapped(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const header = document.querySelector('.portal-header');
    for (const element of Array.from(
      document.querySelectorAll('.portal-name, .portal-menu > summary, .portal-menu a'),
    )) {
      if (!element.checkVisibility()) continue;
      const range = document.createRange();
      range.selectNodeContents(element);
      const lines = new Set(Array.from(range.getClientRects()).map((rect) => Math.round(rect.bottom)));
      if (lines.size > 1) found.push(`“${(element.textContent ?? '').trim()}” takes ${lines.size} lines`);
      const box = element.getBoundingClientRect();
      const isInMenuPanel =
        element.closest('.portal-menu[open] nav') &&
        getComputedStyle(element.closest('nav')!).position === 'absolute';
      if (header && !isInMenuPanel && box.bottom > header.getBoundingClientRect().bottom + 0.5) {
        found.push(`“${(element.textContent ?? '').trim()}” spills out of the header`);
      }
    }
    return found;
  });
}
