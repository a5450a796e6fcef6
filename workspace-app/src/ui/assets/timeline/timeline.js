/* global document, window, io */
// The kiosk side of the live timeline: the socket only says which events are new; the items come from
// the portal's own API (audited there) already rendered, and are placed in time order.
(function () {
  const root = document.getElementById('timeline');
  const list = document.getElementById('tl-items');
  if (!root || !list) return;
  const lang = root.dataset.lang || 'ja';
  const query = root.dataset.query || '';

  function apiUrl(extra) {
    const params = new URLSearchParams(query);
    params.set('lang', lang);
    for (const [key, value] of Object.entries(extra)) params.set(key, value);
    return `/timeline/api/items?${params.toString()}`;
  }

  function setUnread(html) {
    const line = document.getElementById('tl-unread');
    if (line && typeof html === 'string') line.innerHTML = html;
  }

  function place(item) {
    if (list.querySelector(`[data-event-id="${item.id}"]`)) return;
    const holder = document.createElement('template');
    holder.innerHTML = item.html.trim();
    const element = holder.content.firstElementChild;
    if (!element) return;
    element.classList.add('tl-arrived');
    const older = Array.from(list.children).find(
      (child) => (child.dataset.occurredAt || '') < item.occurredAt,
    );
    const hasOlderPages = document.querySelector('.tl-more') !== null;
    if (older) list.insertBefore(element, older);
    else if (!hasOlderPages) list.appendChild(element);
    else return;
    const empty = document.getElementById('tl-empty');
    if (empty) empty.remove();
  }

  async function load(extra) {
    const response = await fetch(apiUrl(extra), { credentials: 'same-origin' });
    if (!response.ok) return;
    const body = await response.json();
    for (const item of body.items) place(item);
    setUnread(body.unreadHtml);
  }

  async function markRead(details) {
    const item = details.closest('.tl-item');
    if (!item || !item.classList.contains('tl-unread')) return;
    const response = await fetch(details.dataset.readUrl, {
      method: 'POST',
      credentials: 'same-origin',
    });
    if (!response.ok) return;
    item.classList.remove('tl-unread');
    const badge = item.querySelector('.tl-new');
    if (badge) badge.remove();
    setUnread((await response.json()).unreadHtml);
  }

  // `toggle` does not bubble; listening in the capture phase covers items added later too.
  list.addEventListener(
    'toggle',
    (event) => {
      const details = event.target;
      if (details instanceof window.HTMLDetailsElement && details.open && details.dataset.readUrl) {
        void markRead(details);
      }
    },
    true,
  );

  if (root.dataset.live !== 'on' || typeof io !== 'function') return;
  const status = document.getElementById('tl-live');
  const socket = io({ transports: ['websocket', 'polling'] });
  let wasConnected = false;
  socket.on('connect', () => {
    if (status) status.textContent = status.dataset.online || '';
    // Anything that arrived while the socket was away.
    if (wasConnected) void load({ latest: '1' });
    wasConnected = true;
  });
  socket.on('disconnect', () => {
    if (status) status.textContent = status.dataset.offline || '';
  });
  socket.on('timeline:new', (message) => {
    const ids = Array.isArray(message && message.eventIds) ? message.eventIds.slice(0, 200) : [];
    if (ids.length > 0) void load({ ids: ids.join(',') });
  });
  socket.on('timeline:resync', () => void load({ latest: '1' }));
})();
