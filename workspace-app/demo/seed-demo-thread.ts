import type pg from 'pg';
import { withTransaction } from '@hcw/common';
import { DEMO_PATIENT_IDS } from './seed-demo-patients.js';

// A few invented posts in 鈴木 一郎's thread: the nurse calls on the doctor, who answers; the care manager
// calls on the nurse. Seeded once (fixed ids); their delivery to the demo FHIR server and Kanamic waits in the
// outbox, so the portal's worker sends them when the demo starts and both vendors' timelines show them.

const patientId = DEMO_PATIENT_IDS.suzukiIchiro;
const HOUR = 60 * 60 * 1000;

interface DemoPost {
  id: string;
  replyTo?: string;
  author: { id: string; name: string; organisation: string; profession: string };
  hoursAgo: number;
  body: string;
  mentions: { kind: 'profession' | 'person'; target: string; label: string }[];
  readBy: { id: string; name: string }[];
}

const sato = {
  id: 'nurse.sato',
  name: '佐藤 花子',
  organisation: '新宿訪問看護ステーション',
  profession: '看護師',
};
const tanaka = { id: 'dr.tanaka', name: '田中 一郎', organisation: '中野在宅クリニック', profession: '医師' };
const suzuki = {
  id: 'cm.suzuki',
  name: '鈴木 美香',
  organisation: '練馬居宅介護支援事業所',
  profession: 'ケアマネジャー',
};

const posts: readonly DemoPost[] = [
  {
    id: '5eed7000-0000-4000-8000-000000000001',
    author: sato,
    hoursAgo: 20,
    body: '昨夜から37.8℃の発熱があり、痰がらみが増えています。SpO2は95%で呼吸は落ち着いています。\n本日午後にもう一度伺います。',
    mentions: [{ kind: 'profession', target: 'doctor', label: '医師' }],
    readBy: [tanaka, suzuki],
  },
  {
    id: '5eed7000-0000-4000-8000-000000000002',
    replyTo: '5eed7000-0000-4000-8000-000000000001',
    author: tanaka,
    hoursAgo: 18,
    body: '本日17時に往診します。必要なら抗菌薬を処方します。',
    mentions: [],
    readBy: [sato],
  },
  {
    id: '5eed7000-0000-4000-8000-000000000003',
    author: suzuki,
    hoursAgo: 3,
    body: '来週火曜のデイサービスは、体調をみて奥様と相談のうえお休みにするか決めます。前日までに様子を教えてください。',
    mentions: [{ kind: 'person', target: sato.id, label: sato.name }],
    readBy: [],
  },
];

/** Adds the demo posts that are not there yet, with their mentions, readers and pending deliveries. */
export async function seedDemoThread(pool: pg.Pool, now: Date = new Date()): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const post of posts) {
      const { rowCount } = await client.query(
        `INSERT INTO patient_thread_posts (id, patient_id, reply_to, author_id, author_name, author_organisation,
           author_profession, body, posted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [
          post.id,
          patientId,
          post.replyTo ?? null,
          post.author.id,
          post.author.name,
          post.author.organisation,
          post.author.profession,
          post.body,
          new Date(now.getTime() - post.hoursAgo * HOUR),
        ],
      );
      if (!rowCount) continue;
      for (const mention of post.mentions) {
        await client.query(
          'INSERT INTO patient_thread_mentions (post_id, kind, target, label) VALUES ($1, $2, $3, $4)',
          [post.id, mention.kind, mention.target, mention.label],
        );
      }
      for (const reader of post.readBy) {
        await client.query(
          `INSERT INTO patient_thread_reads (post_id, reader_id, reader_name, read_at) VALUES ($1, $2, $3, $4)`,
          [post.id, reader.id, reader.name, new Date(now.getTime() - (post.hoursAgo - 1) * HOUR)],
        );
      }
      await client.query(
        `INSERT INTO patient_thread_deliveries (post_id, vendor, vendor_patient_ref)
         SELECT $1::uuid, vendor, min(patient_group_ref) FROM timeline_patient_groups
          WHERE patient_id = $2 AND vendor IN ('fhir', 'kanamic') GROUP BY vendor
         ON CONFLICT DO NOTHING`,
        [post.id, patientId],
      );
    }
  });
}
