const TITLE_LENGTH = 60;

/** A vendor without subjects gets the first line of the body as the timeline title. */
export function titleFromText(text: string, fallback: string): string {
  const firstLine = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line.length > 0);
  if (firstLine === undefined) return fallback;
  const characters = [...firstLine];
  return characters.length > TITLE_LENGTH ? `${characters.slice(0, TITLE_LENGTH - 1).join('')}…` : firstLine;
}
