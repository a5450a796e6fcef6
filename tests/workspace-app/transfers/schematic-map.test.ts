import assert from 'node:assert/strict';
import {
  renderMapLegend,
  renderSchematicMap,
  schematicTiles,
  tileName,
} from '#workspace-app/transfers/schematic-map.js';
import { tokyoAreas } from '#workspace-app/transfers/tokyo-areas.js';

describe('schematic map of Tokyo', () => {
  it('has one tile per municipality, no two on the same cell', () => {
    assert.equal(schematicTiles.length, 62);
    assert.deepEqual(
      new Set(schematicTiles.map((tile) => tile.municipalityId)),
      new Set(tokyoAreas.municipalityIds),
    );
    const cells = new Set(schematicTiles.map((tile) => `${tile.column},${tile.row}`));
    assert.equal(cells.size, 62);
    assert.ok(schematicTiles.every((tile) => tile.column >= 0 && tile.row >= 0));
  });

  it('keeps the layout’s geography: wards east of Tama, the islands below the mainland', () => {
    const columnOf = (id: string) => schematicTiles.find((tile) => tile.municipalityId === id)?.column ?? -1;
    const rowOf = (id: string) => schematicTiles.find((tile) => tile.municipalityId === id)?.row ?? -1;
    assert.ok(columnOf('chiyoda-ku') > columnOf('hachioji-shi'));
    assert.ok(columnOf('edogawa-ku') > columnOf('shinjuku-ku'));
    assert.ok(rowOf('ota-ku') > rowOf('adachi-ku'), 'Ota south of Adachi');
    const lowestMainland = Math.max(
      ...schematicTiles.filter((tile) => tile.areaId !== 'tosho').map((tile) => tile.row),
    );
    assert.ok(
      schematicTiles.filter((tile) => tile.areaId === 'tosho').every((tile) => tile.row > lowestMainland),
    );
  });

  it('draws each tile with its name and count, linked, coloured by its care area', () => {
    const svg = String(
      renderSchematicMap({
        lang: 'ja',
        data: { 'setagaya-ku': { matches: 7, hospitals: 12 } },
        selected: 'setagaya-ku',
        linkFor: (id) => `/search?municipality=${id}`,
      }),
    );
    assert.equal((svg.match(/<a href=/g) ?? []).length, 62);
    assert.match(
      svg,
      /class="map-tile area-ku-seinanbu has-matches is-selected" data-municipality="setagaya-ku"/,
    );
    assert.match(svg, /<text[^>]*class="map-name">世田谷<\/text>/);
    assert.match(svg, /<text[^>]*class="map-count">7<\/text>/);
    assert.match(
      svg,
      /href="\/search\?municipality=hachioji-shi" class="map-tile area-minamitama no-matches"/,
    );
    assert.doesNotMatch(svg, /style=|<script/, 'nothing the portal’s CSP would block');
    assert.equal((String(renderMapLegend('en')).match(/<li>/g) ?? []).length, 13);
  });

  it('shortens names only where enough is left to recognise them', () => {
    assert.equal(tileName('kita-ku'), '北区');
    assert.equal(tileName('chiyoda-ku'), '千代田');
    assert.equal(tileName('higashikurume-shi'), '東久留米');
  });
});
