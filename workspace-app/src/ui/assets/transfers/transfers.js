/* global document, Element, HTMLInputElement */
// Conveniences on top of plain forms; every page works without this script.

// Steppers on the free-bed screen: one tap for one bed more or less, never below 0 or above the beds.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('button.step') : null;
  if (!button) return;
  const form = button.closest('form');
  const input = form ? form.querySelector(`input[name="${button.dataset.target}"]`) : null;
  if (!input) return;
  const step = Number(button.dataset.step);
  const max = Number(input.max || Infinity);
  const next = Math.min(max, Math.max(0, (Number(input.value) || 0) + step));
  input.value = String(next);
  input.dispatchEvent(new Event('input', { bubbles: true }));
});

// The answer form shows only the part that belongs to the chosen answer.
document.addEventListener('change', (event) => {
  const input = event.target instanceof Element ? event.target.closest('input[name="answer"]') : null;
  const form = input ? input.closest('form.answer-form') : null;
  if (form && input instanceof HTMLInputElement) form.dataset.answer = input.value;
});
