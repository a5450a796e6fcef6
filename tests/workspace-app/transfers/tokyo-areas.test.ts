import assert from 'node:assert/strict';
import { careAreaLabels, tokyoAreas } from '#workspace-app/transfers/tokyo-areas.js';

function byName(name: string) {
  const found = tokyoAreas.municipalities.find((municipality) => municipality.name === name);
  assert.ok(found, `${name} is in the table`);
  return found;
}

function areaNameOf(name: string): string {
  return careAreaLabels[byName(name).areaId].ja;
}

describe('tokyo areas', () => {
  it('lists the 62 municipalities: 23 special wards, 26 cities, 5 towns and 8 villages', () => {
    const count = (kind: string) => tokyoAreas.municipalities.filter((entry) => entry.kind === kind).length;
    assert.equal(tokyoAreas.municipalities.length, 62);
    assert.equal(count('ward'), 23);
    assert.equal(count('city'), 26);
    assert.equal(count('town'), 5);
    assert.equal(count('village'), 8);
  });

  it('puts every municipality in a known secondary care area, and every area has municipalities', () => {
    const areaIds = Object.keys(careAreaLabels);
    assert.equal(areaIds.length, 13);
    for (const municipality of tokyoAreas.municipalities) {
      assert.ok(areaIds.includes(municipality.areaId), `${municipality.name} has a known area`);
    }
    for (const area of tokyoAreas.careAreas) {
      assert.ok(area.municipalityIds.length > 0, `${area.ja} has municipalities`);
    }
  });

  it('maps municipalities to their 二次医療圏', () => {
    const expected: [string, string][] = [
      ['八王子市', '南多摩'],
      ['千代田区', '区中央部'],
      ['府中市', '北多摩南部'],
      ['大島町', '島しょ'],
      ['品川区', '区南部'],
      ['目黒区', '区西南部'],
      ['中野区', '区西部'],
      ['練馬区', '区西北部'],
      ['足立区', '区東北部'],
      ['江戸川区', '区東部'],
      ['青梅市', '西多摩'],
      ['檜原村', '西多摩'],
      ['町田市', '南多摩'],
      ['立川市', '北多摩西部'],
      ['国分寺市', '北多摩西部'],
      ['小金井市', '北多摩南部'],
      ['西東京市', '北多摩北部'],
      ['小笠原村', '島しょ'],
    ];
    for (const [municipality, area] of expected) assert.equal(areaNameOf(municipality), area, municipality);
  });

  it('gives each area the number of municipalities of the Tokyo health care plan', () => {
    const sizes = Object.fromEntries(
      tokyoAreas.careAreas.map((area) => [area.ja, area.municipalityIds.length]),
    );
    assert.deepEqual(sizes, {
      区中央部: 5,
      区南部: 2,
      区西南部: 3,
      区西部: 3,
      区西北部: 4,
      区東北部: 3,
      区東部: 3,
      西多摩: 8,
      南多摩: 5,
      北多摩西部: 6,
      北多摩南部: 6,
      北多摩北部: 5,
      島しょ: 9,
    });
  });

  it('keeps the special wards in the seven ward areas and everything else out of them', () => {
    for (const municipality of tokyoAreas.municipalities) {
      assert.equal(municipality.areaId.startsWith('ku-'), municipality.kind === 'ward', municipality.name);
    }
  });

  it('gives unique ids, names and local government codes with valid check digits', () => {
    const unique = (values: string[]) => new Set(values).size === values.length;
    assert.ok(unique(tokyoAreas.municipalities.map((entry) => entry.id)));
    assert.ok(unique(tokyoAreas.municipalities.map((entry) => entry.name)));
    assert.ok(unique(tokyoAreas.municipalities.map((entry) => entry.localGovernmentCode)));
    for (const { name, localGovernmentCode } of tokyoAreas.municipalities) {
      assert.match(localGovernmentCode, /^13\d{4}$/, name);
      const digits = [...localGovernmentCode].map(Number);
      const weighted = [6, 5, 4, 3, 2].reduce((sum, weight, index) => sum + weight * (digits[index] ?? 0), 0);
      assert.equal((11 - (weighted % 11)) % 10, digits[5], `${name} check digit`);
    }
  });

  it('tells 豊島区 from 利島村 although both read Toshima', () => {
    assert.equal(byName('豊島区').id, 'toshima-ku');
    assert.equal(byName('利島村').id, 'toshima-mura');
  });

  it('places municipalities on the grid west to east and north to south', () => {
    for (const { name, position } of tokyoAreas.municipalities) {
      assert.ok(position.x >= 0 && position.x <= 100 && position.y >= 0 && position.y <= 100, name);
    }
    const positions = tokyoAreas.municipalities.map(({ position }) => `${position.x},${position.y}`);
    assert.equal(new Set(positions).size, positions.length, 'no two municipalities share a point');

    const x = (name: string) => byName(name).position.x;
    const y = (name: string) => byName(name).position.y;
    assert.ok(x('奥多摩町') < x('八王子市') && x('八王子市') < x('新宿区') && x('新宿区') < x('江戸川区'));
    assert.ok(y('清瀬市') < y('府中市') && y('府中市') < y('町田市'));
    const mainlandBottom = Math.max(
      ...tokyoAreas.municipalities
        .filter((entry) => entry.areaId !== 'tosho')
        .map((entry) => entry.position.y),
    );
    for (const island of tokyoAreas.municipalities.filter((entry) => entry.areaId === 'tosho')) {
      assert.ok(island.position.y > mainlandBottom, `${island.name} lies south of the mainland`);
    }
  });

  it('measures grid distance symmetrically, with neighbours closer than distant cities', () => {
    assert.equal(tokyoAreas.gridDistance('shinjuku-ku', 'shinjuku-ku'), 0);
    assert.equal(
      tokyoAreas.gridDistance('shinjuku-ku', 'hachioji-shi'),
      tokyoAreas.gridDistance('hachioji-shi', 'shinjuku-ku'),
    );
    assert.ok(
      tokyoAreas.gridDistance('shinjuku-ku', 'shibuya-ku') <
        tokyoAreas.gridDistance('shinjuku-ku', 'hachioji-shi'),
    );
  });

  it('recognises municipality ids and nothing else', () => {
    assert.equal(tokyoAreas.isMunicipalityId('chiyoda-ku'), true);
    assert.equal(tokyoAreas.isMunicipalityId('yokohama-shi'), false);
  });
});
