/* global document, window, HTMLFormElement */
// Forms that end or remove something ask once before they post; the question is in data-confirm.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
