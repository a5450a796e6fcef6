// Shows the workspace's alerts on this device: a count of new items and the way back to the workspace,
// nothing else (the broker sends nothing else). It has no fetch handler and its scope, /client/alerts/,
// holds no page: it serves, caches and stores nothing, and sees none of the workspace's traffic.
self.addEventListener('push', (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = {};
  }
  const title = typeof alert.title === 'string' ? alert.title : '新着 / New';
  const body = typeof alert.body === 'string' ? alert.body : '';
  event.waitUntil(self.registration.showNotification(title, { body, tag: 'hcw-new-items', renotify: true }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow('/'));
});
