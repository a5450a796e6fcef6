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

// `photo`: a photograph-like picture (smooth colour with grain, twice the canvas wide) panning across the
// canvas, as a wound photo or a scanned letter moves when scrolled: the content guacd's lossy encodings are for.
let photo;

function makePhoto(width, height) {
  const image = context.createImageData(width, height);
  let seed = 1;
  const grain = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648 - 0.5) * 24;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      image.data[i] = 128 + 80 * Math.sin(x / 41 + y / 67) + grain();
      image.data[i + 1] = 120 + 70 * Math.sin(x / 29 - y / 53) + grain();
      image.data[i + 2] = 110 + 60 * Math.cos((x + y) / 47) + grain();
      image.data[i + 3] = 255;
    }
  }
  return image;
}

function drawPhoto(now) {
  const { width, height } = canvas;
  photo ??= makePhoto(width * 2, height);
  context.putImageData(photo, -Math.floor((now / 8) % width), 0);
  animation = requestAnimationFrame(drawPhoto);
}

let current = 'idle';

function setMode(mode) {
  const next = mode === 'busy' || mode === 'photo' ? mode : 'idle';
  if (next === current) return;
  cancelAnimationFrame(animation);
  current = next;
  canvas.hidden = next === 'idle';
  if (next === 'busy') animation = requestAnimationFrame(draw);
  if (next === 'photo') animation = requestAnimationFrame(drawPhoto);
}

setInterval(() => {
  fetch('/mode', { cache: 'no-store' })
    .then((response) => response.text())
    .then(setMode)
    .catch(() => undefined);
}, 200);

// `?long=1`: a long page below the typed line, as a patient's record is, for the wheel to scroll.
if (new URLSearchParams(document.location.search).get('long') === '1') {
  const article = document.createElement('article');
  const lines = [
    '本日訪問しました。食事は普段どおり摂れています。',
    '夜間に咳込みがあったとご家族から連絡がありました。明日往診します。',
    '処方変更：アムロジピン5mg 朝1錠、明日から開始です。',
    '歩行訓練を実施。屋内は杖歩行で安定しています。',
  ];
  for (let i = 0; i < 240; i++) {
    const line = document.createElement('p');
    line.className = 'long-line';
    line.textContent = `${i + 1}. ${lines[i % lines.length]}`;
    article.append(line);
  }
  document.body.append(article);
}
