/* global document, requestAnimationFrame, cancelAnimationFrame */
// The kiosk page of the tunnel benchmark. Typed keys appear as text, so each key press through the
// tunnel changes the screen; in `busy` mode a canvas animates, as a video or a scrolling page would.
// The benchmark switches the mode over HTTP, so the pictures it measures never include its own control.

const typed = document.getElementById('typed');
const canvas = document.getElementById('motion');
const context = canvas.getContext('2d');

document.addEventListener('keydown', (event) => {
  if (event.key.length !== 1) return;
  // A short line keeps every update the same small size, like typing into a form field.
  typed.textContent = typed.textContent.length >= 30 ? event.key : typed.textContent + event.key;
});

let frame = 0;
let animation = 0;

function draw(now) {
  const { width, height } = canvas;
  context.fillStyle = `hsl(${(now / 40) % 360} 40% 90%)`;
  context.fillRect(0, 0, width, height);
  for (let i = 0; i < 12; i++) {
    const angle = now / 900 + (i * Math.PI) / 6;
    context.fillStyle = `hsl(${i * 30} 70% 50%)`;
    context.beginPath();
    context.arc(
      width / 2 + Math.cos(angle * (1 + i / 12)) * 250,
      height / 2 + Math.sin(angle) * 140,
      24,
      0,
      7,
    );
    context.fill();
  }
  context.fillStyle = '#111';
  context.font = '32px sans-serif';
  context.fillText(`frame ${++frame}`, 20, 44);
  animation = requestAnimationFrame(draw);
}

function setMode(mode) {
  const isBusy = mode === 'busy';
  if (isBusy === !canvas.hidden) return;
  canvas.hidden = !isBusy;
  if (isBusy) animation = requestAnimationFrame(draw);
  else cancelAnimationFrame(animation);
}

setInterval(() => {
  fetch('/mode', { cache: 'no-store' })
    .then((response) => response.text())
    .then(setMode)
    .catch(() => undefined);
}, 200);
