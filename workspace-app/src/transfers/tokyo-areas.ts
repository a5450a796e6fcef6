import { type Bilingual } from '@hcw/common';
import type { CodeLabels } from '../validation/bilingual-fields.js';

/** Tokyo's 13 secondary medical care areas (二次保健医療圏) of the Tokyo health care plan. */
export const careAreaLabels = {
  'ku-chuobu': { ja: '区中央部', en: 'Central wards' },
  'ku-nanbu': { ja: '区南部', en: 'Southern wards' },
  'ku-seinanbu': { ja: '区西南部', en: 'South-western wards' },
  'ku-seibu': { ja: '区西部', en: 'Western wards' },
  'ku-seihokubu': { ja: '区西北部', en: 'North-western wards' },
  'ku-tohokubu': { ja: '区東北部', en: 'North-eastern wards' },
  'ku-tobu': { ja: '区東部', en: 'Eastern wards' },
  nishitama: { ja: '西多摩', en: 'West Tama' },
  minamitama: { ja: '南多摩', en: 'South Tama' },
  'kitatama-seibu': { ja: '北多摩西部', en: 'North Tama West' },
  'kitatama-nanbu': { ja: '北多摩南部', en: 'North Tama South' },
  'kitatama-hokubu': { ja: '北多摩北部', en: 'North Tama North' },
  tosho: { ja: '島しょ', en: 'Islands' },
} as const satisfies CodeLabels<string>;
export type CareAreaId = keyof typeof careAreaLabels;

/** 特別区 (special ward), 市, 町 or 村. */
export type MunicipalityKind = 'ward' | 'city' | 'town' | 'village';

/** A point on the schematic map: x grows west to east, y north to south, both within 0..100. */
export interface GridPosition {
  x: number;
  y: number;
}

export interface Municipality<Id extends string = string> {
  /** Romanised, with the kind as suffix: 豊島区 and 利島村 are both "Toshima". */
  id: Id;
  name: string;
  kana: string;
  kind: MunicipalityKind;
  areaId: CareAreaId;
  /** 全国地方公共団体コード, six digits including its check digit. */
  localGovernmentCode: string;
  position: GridPosition;
}

function municipality<const Id extends string>(
  id: Id,
  name: string,
  kana: string,
  areaId: CareAreaId,
  localGovernmentCode: string,
  x: number,
  y: number,
): Municipality<Id> {
  const kind: MunicipalityKind = name.endsWith('区')
    ? 'ward'
    : name.endsWith('市')
      ? 'city'
      : name.endsWith('町')
        ? 'town'
        : 'village';
  return { id, name, kana, kind, areaId, localGovernmentCode, position: { x, y } };
}

// Mainland positions follow the municipal offices on one scale for both axes (one grid unit is
// roughly 0.85 km), nudged apart where central wards would overlap. The islands are not to scale:
// they sit in a strip below the mainland in their north-to-south order, Ogasawara in the corner.
const municipalities = [
  municipality('chiyoda-ku', '千代田区', 'ちよだく', 'ku-chuobu', '131016', 82, 23),
  municipality('chuo-ku', '中央区', 'ちゅうおうく', 'ku-chuobu', '131024', 85, 26),
  municipality('minato-ku', '港区', 'みなとく', 'ku-chuobu', '131032', 81, 28),
  municipality('shinjuku-ku', '新宿区', 'しんじゅくく', 'ku-seibu', '131041', 76, 22),
  municipality('bunkyo-ku', '文京区', 'ぶんきょうく', 'ku-chuobu', '131059', 81, 19),
  municipality('taito-ku', '台東区', 'たいとうく', 'ku-chuobu', '131067', 85, 18),
  municipality('sumida-ku', '墨田区', 'すみだく', 'ku-tobu', '131075', 88, 20),
  municipality('koto-ku', '江東区', 'こうとうく', 'ku-tobu', '131083', 89, 25),
  municipality('shinagawa-ku', '品川区', 'しながわく', 'ku-nanbu', '131091', 79, 33),
  municipality('meguro-ku', '目黒区', 'めぐろく', 'ku-seinanbu', '131105', 76, 29),
  municipality('ota-ku', '大田区', 'おおたく', 'ku-nanbu', '131113', 78, 39),
  municipality('setagaya-ku', '世田谷区', 'せたがやく', 'ku-seinanbu', '131121', 71, 28),
  municipality('shibuya-ku', '渋谷区', 'しぶやく', 'ku-seinanbu', '131130', 76, 25),
  municipality('nakano-ku', '中野区', 'なかのく', 'ku-seibu', '131148', 72, 20),
  municipality('suginami-ku', '杉並区', 'すぎなみく', 'ku-seibu', '131156', 68, 21),
  municipality('toshima-ku', '豊島区', 'としまく', 'ku-seihokubu', '131164', 78, 17),
  municipality('kita-ku', '北区', 'きたく', 'ku-seihokubu', '131172', 80, 13),
  municipality('arakawa-ku', '荒川区', 'あらかわく', 'ku-tohokubu', '131181', 85, 15),
  municipality('itabashi-ku', '板橋区', 'いたばしく', 'ku-seihokubu', '131199', 76, 13),
  municipality('nerima-ku', '練馬区', 'ねりまく', 'ku-seihokubu', '131202', 71, 16),
  municipality('adachi-ku', '足立区', 'あだちく', 'ku-tohokubu', '131211', 87, 11),
  municipality('katsushika-ku', '葛飾区', 'かつしかく', 'ku-tohokubu', '131229', 92, 15),
  municipality('edogawa-ku', '江戸川区', 'えどがわく', 'ku-tobu', '131237', 94, 20),

  municipality('hachioji-shi', '八王子市', 'はちおうじし', 'minamitama', '132012', 34, 26),
  municipality('tachikawa-shi', '立川市', 'たちかわし', 'kitatama-seibu', '132021', 45, 19),
  municipality('musashino-shi', '武蔵野市', 'むさしのし', 'kitatama-nanbu', '132039', 62, 19),
  municipality('mitaka-shi', '三鷹市', 'みたかし', 'kitatama-nanbu', '132047', 61, 23),
  municipality('ome-shi', '青梅市', 'おうめし', 'nishitama', '132055', 30, 9),
  municipality('fuchu-shi', '府中市', 'ふちゅうし', 'kitatama-nanbu', '132063', 52, 25),
  municipality('akishima-shi', '昭島市', 'あきしまし', 'kitatama-seibu', '132071', 38, 20),
  municipality('chofu-shi', '調布市', 'ちょうふし', 'kitatama-nanbu', '132080', 59, 28),
  municipality('machida-shi', '町田市', 'まちだし', 'minamitama', '132098', 48, 41),
  municipality('koganei-shi', '小金井市', 'こがねいし', 'kitatama-nanbu', '132101', 55, 21),
  municipality('kodaira-shi', '小平市', 'こだいらし', 'kitatama-hokubu', '132110', 52, 17),
  municipality('hino-shi', '日野市', 'ひのし', 'minamitama', '132128', 43, 25),
  municipality('higashimurayama-shi', '東村山市', 'ひがしむらやまし', 'kitatama-hokubu', '132136', 51, 14),
  municipality('kokubunji-shi', '国分寺市', 'こくぶんじし', 'kitatama-seibu', '132144', 49, 20),
  municipality('kunitachi-shi', '国立市', 'くにたちし', 'kitatama-seibu', '132152', 47, 23),
  municipality('fussa-shi', '福生市', 'ふっさし', 'nishitama', '132187', 35, 16),
  municipality('komae-shi', '狛江市', 'こまえし', 'kitatama-nanbu', '132195', 63, 30),
  municipality('higashiyamato-shi', '東大和市', 'ひがしやまとし', 'kitatama-seibu', '132209', 46, 15),
  municipality('kiyose-shi', '清瀬市', 'きよせし', 'kitatama-hokubu', '132217', 57, 10),
  municipality('higashikurume-shi', '東久留米市', 'ひがしくるめし', 'kitatama-hokubu', '132225', 58, 13),
  municipality('musashimurayama-shi', '武蔵村山市', 'むさしむらやまし', 'kitatama-seibu', '132233', 42, 14),
  municipality('tama-shi', '多摩市', 'たまし', 'minamitama', '132241', 49, 29),
  municipality('inagi-shi', '稲城市', 'いなぎし', 'minamitama', '132250', 55, 30),
  municipality('hamura-shi', '羽村市', 'はむらし', 'nishitama', '132276', 34, 12),
  municipality('akiruno-shi', 'あきる野市', 'あきるのし', 'nishitama', '132284', 31, 17),
  municipality('nishitokyo-shi', '西東京市', 'にしとうきょうし', 'kitatama-hokubu', '132292', 59, 17),

  municipality('mizuho-machi', '瑞穂町', 'みずほまち', 'nishitama', '133035', 38, 12),
  municipality('hinode-machi', '日の出町', 'ひのでまち', 'nishitama', '133051', 27, 15),
  municipality('hinohara-mura', '檜原村', 'ひのはらむら', 'nishitama', '133078', 16, 18),
  municipality('okutama-machi', '奥多摩町', 'おくたままち', 'nishitama', '133086', 10, 7),

  municipality('oshima-machi', '大島町', 'おおしままち', 'tosho', '133612', 40, 56),
  municipality('toshima-mura', '利島村', 'としまむら', 'tosho', '133621', 34, 62),
  municipality('niijima-mura', '新島村', 'にいじまむら', 'tosho', '133639', 30, 67),
  municipality('kozushima-mura', '神津島村', 'こうづしまむら', 'tosho', '133647', 24, 72),
  municipality('miyake-mura', '三宅村', 'みやけむら', 'tosho', '133817', 46, 72),
  municipality('mikurajima-mura', '御蔵島村', 'みくらじまむら', 'tosho', '133825', 52, 78),
  municipality('hachijo-machi', '八丈町', 'はちじょうまち', 'tosho', '134015', 60, 87),
  municipality('aogashima-mura', '青ヶ島村', 'あおがしまむら', 'tosho', '134023', 58, 93),
  municipality('ogasawara-mura', '小笠原村', 'おがさわらむら', 'tosho', '134210', 90, 98),
] as const;

export type MunicipalityId = (typeof municipalities)[number]['id'];

export interface CareArea extends Bilingual {
  id: CareAreaId;
  municipalityIds: MunicipalityId[];
}

const byId = new Map<string, Municipality<MunicipalityId>>(municipalities.map((entry) => [entry.id, entry]));

const careAreas: readonly CareArea[] = (Object.keys(careAreaLabels) as CareAreaId[]).map((id) => ({
  id,
  ...careAreaLabels[id],
  municipalityIds: municipalities.filter((entry) => entry.areaId === id).map((entry) => entry.id),
}));

function municipalityOf(id: MunicipalityId): Municipality<MunicipalityId> {
  const found = byId.get(id);
  // The id type only admits ids of the table, so a miss means a cast let something through.
  if (!found) throw new Error(`unknown municipality id: ${id}`);
  return found;
}

/**
 * Tokyo's 62 municipalities (区市町村: 23 special wards, 26 cities, 5 towns, 8 villages) with their
 * secondary medical care area and a position on a schematic map.
 */
export const tokyoAreas = {
  municipalities: municipalities as readonly Municipality<MunicipalityId>[],
  municipalityIds: municipalities.map((entry) => entry.id) as [MunicipalityId, ...MunicipalityId[]],
  careAreas,

  isMunicipalityId(id: string): id is MunicipalityId {
    return byId.has(id);
  },

  municipality: municipalityOf,

  careAreaOf(id: MunicipalityId): CareAreaId {
    return municipalityOf(id).areaId;
  },

  /** Straight-line distance on the schematic map, in grid units. */
  gridDistance(from: MunicipalityId, to: MunicipalityId): number {
    const a = municipalityOf(from).position;
    const b = municipalityOf(to).position;
    return Math.hypot(a.x - b.x, a.y - b.y);
  },
};
