import type { DemoSandboxes } from '../sandboxes/start-demo-sandboxes.js';
import { cycle, demoCareTeams, demoMessages, demoStaff } from '../sandboxes/demo-care-teams.js';

/**
 * Demo only: a new message in one of the five sandboxes every `intervalMs`, vendor after vendor, so a
 * practitioner watching the demo timeline sees items arrive live from every system.
 */
export function startDemoTimelineActivity(
  sandboxes: Pick<DemoSandboxes, 'mcs' | 'kanamic' | 'hikariOne' | 'vitalLink' | 'fhir'>,
  options: { intervalMs?: number } = {},
): { stop(): void } {
  let tick = 0;
  const post = async () => {
    const team = cycle(demoCareTeams, tick);
    const staff = cycle(demoStaff, tick + 1);
    const text = cycle(demoMessages, tick + 2);
    switch (tick++ % 5) {
      case 0:
        await sandboxes.mcs.postMessage({
          groupId: team.groupId,
          groupName: team.groupName,
          authorRole: staff.role,
          authorName: staff.name,
          body: text,
        });
        break;
      case 1:
        sandboxes.kanamic.addMessage({
          groupId: team.groupId,
          groupName: team.groupName,
          staffName: staff.name,
          occupation: staff.role,
          text,
        });
        break;
      case 2:
        sandboxes.vitalLink.addVitals({
          teamId: team.groupId,
          teamName: team.groupName,
          authorName: staff.name,
          jobTitle: staff.role,
          temperature: 36.5 + (tick % 4) * 0.3,
          systolic: 120 + (tick % 5) * 4,
          diastolic: 74,
          pulse: 68 + (tick % 6),
          spo2: 97,
        });
        break;
      case 3:
        sandboxes.hikariOne.addRecord({
          groupId: team.groupId,
          groupName: team.groupName,
          authorName: staff.name,
          occupation: staff.role,
          body: text,
        });
        sandboxes.hikariOne.exportBatch();
        break;
      default: {
        const [family = team.patientName, given = ''] = team.patientName.split(' ');
        sandboxes.fhir.addCommunication({
          patient: { id: team.groupId.replace(/^grp-/, 'pat-'), family, given },
          sender: { id: `role-${tick % demoStaff.length}`, name: staff.name, role: staff.role },
          text,
        });
      }
    }
  };
  const timer = setInterval(() => {
    post().catch(() => undefined);
  }, options.intervalMs ?? 20_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
