// The auditor's player: guacamole-common-js's SessionRecording reads the decrypted recording from the broker
// (the request that fetches it is audited) and replays it into a display here, with play, pause and
// seeking. Nothing is kept in browser storage: the recording lives in this page's memory only.
import Guacamole from '/client/vendor/guacamole-common.js';

const root = document.getElementById('player');
const texts = JSON.parse(document.getElementById('player-messages').textContent);
const status = document.getElementById('player-status');
const playButton = document.getElementById('play');
const seek = document.getElementById('seek');
const clock = document.getElementById('clock');
const screen = document.getElementById('screen');

// The header says the request is this script's own: the broker sends a recording to nothing else.
const tunnel = new Guacamole.StaticHTTPTunnel(
  `/admin/api/recordings/${encodeURIComponent(root.dataset.recording)}/stream`,
  false,
  { 'x-requested-with': 'hcw-client' },
);
const recording = new Guacamole.SessionRecording(tunnel);
const display = recording.getDisplay();
screen.replaceChildren(display.getElement());

let isDragging = false;
let seekCount = 0;

function time(ms) {
  const seconds = Math.floor(ms / 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const hours = Math.floor(seconds / 3600);
  const rest = `${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
  return hours > 0 ? `${hours}:${rest}` : `${Math.floor(seconds / 60)}:${pad(seconds % 60)}`;
}

// The first frame's time by the desktop's clock: a position is that many milliseconds later.
const firstFrameAt = Number(root.dataset.firstFrameAt);
const wallClock = document.getElementById('wall-clock');
const japanTime = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

function showPosition() {
  const position = recording.getPosition();
  const duration = recording.getDuration();
  seek.max = String(duration);
  if (!isDragging) seek.value = String(position);
  clock.textContent = `${time(position)} / ${time(duration)}`;
  if (firstFrameAt) wallClock.textContent = japanTime.format(new Date(firstFrameAt + position));
  root.dataset.position = String(position);
  root.dataset.duration = String(duration);
}

/** The whole desktop in the page's width, never larger than it was on the user's screen. */
function fit() {
  const width = display.getWidth();
  const height = display.getHeight();
  if (!width || !height) return;
  const scale = Math.min(1, screen.clientWidth / width);
  display.scale(scale);
  screen.style.height = `${Math.ceil(height * scale)}px`;
}
display.onresize = fit;
window.addEventListener('resize', fit);

function setState(state) {
  root.dataset.state = state;
  playButton.setAttribute('aria-pressed', String(state === 'playing'));
}

/** Goes to a moment (milliseconds from the start); the display shows that frame once it settles. */
function seekTo(position) {
  const mine = ++seekCount;
  const target = Math.max(0, Math.min(Number(position) || 0, recording.getDuration()));
  setState('seeking');
  recording.seek(target, () => {
    // An earlier seek that a later one cancelled also ends up here: only the latest counts.
    if (mine !== seekCount) return;
    showPosition();
    // The frame's instructions are read; its images may still be decoding. The display says when it has
    // drawn everything up to here, and only then is the frame on the screen.
    display.flush(() => {
      if (mine !== seekCount) return;
      root.dataset.seekedTo = String(target);
      setState(recording.isPlaying() ? 'playing' : 'paused');
    });
  });
}

recording.onprogress = () => showPosition();
recording.onload = () => {
  status.textContent = texts.loaded;
  playButton.disabled = false;
  seek.disabled = false;
  for (const button of document.querySelectorAll('button.seek')) button.disabled = false;
  showPosition();
  seekTo(0);
};
recording.onerror = (message) => {
  setState('error');
  status.textContent = message ? `${texts.failedToLoad}（${message}）` : texts.failedToLoad;
};
recording.onplay = () => setState('playing');
recording.onpause = () => setState('paused');
recording.onseek = () => showPosition();

playButton.addEventListener('click', () => {
  if (recording.isPlaying()) recording.pause();
  else recording.play();
});
seek.addEventListener('input', () => {
  isDragging = true;
  clock.textContent = `${time(Number(seek.value))} / ${time(recording.getDuration())}`;
});
seek.addEventListener('change', () => {
  isDragging = false;
  seekTo(seek.value);
});
// Each record of patient data during the recording can be jumped to: its time from the recording's start.
for (const button of document.querySelectorAll('button.seek')) {
  button.disabled = true;
  button.addEventListener('click', () => seekTo(button.dataset.offsetMs));
}

status.textContent = texts.loading;
recording.connect();
