import { type Html, html, type Language } from '@hcw/common';
import { careAreaLabels, tokyoAreas, type CareAreaId, type MunicipalityId } from './tokyo-areas.js';

// A schematic tile map of Tokyo's 62 municipalities, drawn from the positions shipped in
// tokyo-areas.ts: each municipality snaps to the free grid cell nearest its office, the special
// wards first since they are the densest. The islands sit in a row of their own below the mainland.
// Nothing is fetched from outside; the map is plain SVG styled by transfers.css.

export interface MapTile {
  municipalityId: MunicipalityId;
  areaId: CareAreaId;
  column: number;
  row: number;
}

/** Grid units of tokyo-areas.ts per tile: small enough to keep neighbours apart, large enough to be compact. */
const unitsPerTile = 5;
const searchRadius = 4;

function layOutTiles(): MapTile[] {
  const taken = new Set<string>();
  const tiles: MapTile[] = [];
  const mainland = tokyoAreas.municipalities.filter((municipality) => municipality.areaId !== 'tosho');
  for (const municipality of mainland) {
    const x = municipality.position.x / unitsPerTile;
    const y = municipality.position.y / unitsPerTile;
    let best: { column: number; row: number; distance: number } | null = null;
    for (let dy = -searchRadius; dy <= searchRadius; dy += 1) {
      for (let dx = -searchRadius; dx <= searchRadius; dx += 1) {
        const column = Math.round(x) + dx;
        const row = Math.round(y) + dy;
        if (taken.has(`${column},${row}`)) continue;
        const distance = Math.hypot(column - x, row - y);
        if (best === null || distance < best.distance) best = { column, row, distance };
      }
    }
    // 62 tiles in a radius of four cells around each office cannot run out of room.
    if (best === null) throw new Error(`no free tile near ${municipality.id}`);
    taken.add(`${best.column},${best.row}`);
    tiles.push({
      municipalityId: municipality.id,
      areaId: municipality.areaId,
      column: best.column,
      row: best.row,
    });
  }
  const minColumn = Math.min(...tiles.map((tile) => tile.column));
  const minRow = Math.min(...tiles.map((tile) => tile.row));
  const normalised = tiles.map((tile) => ({
    ...tile,
    column: tile.column - minColumn,
    row: tile.row - minRow,
  }));
  const islandRow = Math.max(...normalised.map((tile) => tile.row)) + 2;
  const islands = tokyoAreas.municipalities.filter((municipality) => municipality.areaId === 'tosho');
  islands.forEach((municipality, index) => {
    normalised.push({ municipalityId: municipality.id, areaId: 'tosho', column: 6 + index, row: islandRow });
  });
  return normalised;
}

/** Every municipality's tile; computed once, the same on every run. */
export const schematicTiles: readonly MapTile[] = layOutTiles();

/** The name on a tile: without 区/市/町/村 unless that leaves too little to recognise. */
export function tileName(municipalityId: MunicipalityId): string {
  const name = tokyoAreas.municipality(municipalityId).name;
  return name.length <= 3 ? name : name.slice(0, -1);
}

export interface MapTileData {
  /** Matching hospitals in the municipality. */
  matches: number;
  /** All hospitals searched there, matched or not. */
  hospitals: number;
}

export interface SchematicMapOptions {
  lang: Language;
  data: Partial<Record<MunicipalityId, MapTileData>>;
  selected: MunicipalityId | null;
  /** Where a tile leads, e.g. the same search narrowed to the municipality. */
  linkFor: (municipalityId: MunicipalityId) => string;
}

const tileSize = 64;
const gap = 4;
const pitch = tileSize + gap;

export function renderSchematicMap(options: SchematicMapOptions): Html {
  const width = (Math.max(...schematicTiles.map((tile) => tile.column)) + 1) * pitch;
  const height = (Math.max(...schematicTiles.map((tile) => tile.row)) + 1) * pitch;
  const title =
    options.lang === 'ja' ? '東京都の区市町村（二次医療圏別）' : 'Tokyo municipalities by care area';
  const tiles = schematicTiles.map((tile) => {
    const municipality = tokyoAreas.municipality(tile.municipalityId);
    const data = options.data[tile.municipalityId];
    const matches = data?.matches ?? 0;
    const classes = [
      'map-tile',
      `area-${tile.areaId}`,
      matches > 0 ? 'has-matches' : 'no-matches',
      options.selected === tile.municipalityId ? 'is-selected' : '',
    ].filter(Boolean);
    const x = tile.column * pitch;
    const y = tile.row * pitch;
    const area = careAreaLabels[tile.areaId];
    const hover =
      options.lang === 'ja'
        ? `${municipality.name}（${area.ja}）: 該当${matches}件 / 検索${data?.hospitals ?? 0}病院`
        : `${municipality.id} (${area.en}): ${matches} matching of ${data?.hospitals ?? 0} hospitals`;
    const link = options.linkFor(tile.municipalityId);
    const id = tile.municipalityId;
    return html`<a href="${link}" class="${classes.join(' ')}" data-municipality="${id}">
      <title>${hover}</title>
      <rect x="${x}" y="${y}" width="${tileSize}" height="${tileSize}" rx="6" />
      <text x="${x + tileSize / 2}" y="${y + 22}" class="map-name">${tileName(tile.municipalityId)}</text>
      <text x="${x + tileSize / 2}" y="${y + 50}" class="map-count">${matches > 0 ? matches : '–'}</text>
    </a>`;
  });
  // Kept as written: formatted, the long opening tag would have one attribute a line.
  // prettier-ignore
  return html`<svg class="schematic-map" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">
<title>${title}</title>
${tiles}
</svg>`;
}

/** The colour key, as HTML beside the map. */
export function renderMapLegend(lang: Language): Html {
  const items = tokyoAreas.careAreas.map(
    (area) =>
      html`<li><span class="legend-swatch area-${area.id}"></span>${lang === 'ja' ? area.ja : area.en}</li>`,
  );
  return html`<ul class="map-legend">
    ${items}
  </ul>`;
}

/**
 * The map's choices as a list to tap: every municipality by care area, with the counts the map's tiles
 * show on hover only. On a phone the whole map is too small to tap a tile; this is how one narrows the
 * search there.
 */
export function renderMunicipalityList(options: SchematicMapOptions): Html {
  const ja = options.lang === 'ja';
  const groups = tokyoAreas.careAreas.map((area) => {
    const items = area.municipalityIds.map((id) => {
      const data = options.data[id];
      const name = ja ? tokyoAreas.municipality(id).name : id;
      const counts = `${data?.matches ?? 0}／${data?.hospitals ?? 0}`;
      const classes = (data?.matches ?? 0) > 0 ? 'map-choice' : 'map-choice no-matches';
      const link = options.linkFor(id);
      const current = options.selected === id && html`aria-current="true"`;
      return html`<li>
        <a class="${classes}" href="${link}" data-municipality="${id}" ${current}
          ><span class="map-choice-name">${name}</span> <span class="map-choice-counts">${counts}</span></a
        >
      </li>`;
    });
    return html`<li>
      <span class="map-area-name"
        ><span class="legend-swatch area-${area.id}"></span>${ja ? area.ja : area.en}</span
      >
      <ul class="map-choices">
        ${items}
      </ul>
    </li>`;
  });
  const summary = ja ? '区市町村の一覧から選ぶ' : 'Choose from a list of municipalities';
  const key = ja
    ? '数字は「条件に合う病院の数／検索した病院の数」です。'
    : 'The figures are hospitals that fit / hospitals searched.';
  return html`<details class="map-list">
    <summary>${summary}</summary>
    <p class="hint">${key}</p>
    <ul class="map-areas">
      ${groups}
    </ul>
  </details>`;
}
