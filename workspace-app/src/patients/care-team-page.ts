import { type Html, html, type Language, tokyoDateTime } from '@hcw/common';
import type { OpenInvitation } from './care-team-invitations.js';
import type { CareTeam, CareTeamInvitation, InvitationStatus } from './care-team.js';
import { renderFields, type FormSpec, type RawForm } from './form-fields.js';
import type { ItemIssue } from './invalid-item-error.js';
import { button, href, link, patientPage, postForm, roleLabel } from './patient-page-parts.js';
import type { TeamRole } from './patient-access.js';
import { pt, type PatientMessageKey } from './patients-messages.js';

const statusKeys: Record<InvitationStatus, PatientMessageKey> = {
  sent: 'invitationStatusSent',
  accepted: 'invitationStatusAccepted',
  declined: 'invitationStatusDeclined',
  revoked: 'invitationStatusRevoked',
  expired: 'invitationStatusExpired',
};

const roleCodes = {
  owner: { ja: '管理者', en: 'owner' },
  editor: { ja: '編集者', en: 'editor' },
  reader: { ja: '閲覧者', en: 'reader' },
};

export const invitationForm: FormSpec = [
  {
    fields: [
      {
        name: 'kind',
        label: { ja: '招待方法', en: 'Join as' },
        input: {
          type: 'select',
          codes: {
            organisation: {
              ja: '機関として（担当職員を機関が指定）',
              en: 'An organisation (it names its staff)',
            },
            individual: { ja: '個人として', en: 'An individual' },
          },
        },
        isRequired: true,
      },
      {
        name: 'organisation',
        label: { ja: '機関名', en: 'Organisation' },
        input: { type: 'text' },
        isRequired: true,
      },
      {
        name: 'practitionerId',
        label: { ja: '職員ID（個人を招待する場合）', en: 'Practitioner ID (an individual)' },
        input: { type: 'text' },
      },
      {
        name: 'role',
        label: { ja: '役割', en: 'Role' },
        input: { type: 'select', codes: roleCodes },
        isRequired: true,
      },
      {
        name: 'validDays',
        label: { ja: '有効日数', en: 'Valid for (days)' },
        input: { type: 'number', step: '1', inputMode: 'numeric' },
      },
    ],
  },
];

function roleOption(role: TeamRole, isSelected: boolean, lang: Language): Html {
  return html`<option value="${role}" ${isSelected && html`selected`}>${roleLabel(role, lang)}</option>`;
}

function invitationLine(invitation: CareTeamInvitation, lang: Language): string {
  const target = invitation.practitionerId
    ? `${invitation.practitionerId}（${invitation.organisation}）`
    : invitation.organisation;
  return `${target} ・ ${roleLabel(invitation.role, lang)} ・ ${pt(lang, statusKeys[invitation.status])} ・ ${pt(
    lang,
    'expires',
    {
      when: tokyoDateTime(invitation.expiresAt),
    },
  )}`;
}

export interface TeamPageView {
  team: CareTeam;
  patientName: string;
  inviteForm?: RawForm;
  inviteIssues?: readonly ItemIssue[];
  /** A refusal to show above the page (e.g. the last owner tried to leave). */
  problem?: string;
}

/** Members (organisation or individual), invitations, and what the reader may do about them. */
export function renderTeamPage(view: TeamPageView, lang: Language): string {
  const { team } = view;
  const id = team.patientId;
  const members = team.members.map((member) => {
    const people = member.people.map((p) => (p.name ? `${p.name}（${p.id}）` : p.id)).join('、');
    const isMine = team.me.membershipIds.includes(member.id);
    const staffIds = member.people.map((p) => p.id).join('\n');
    const staffForm =
      member.kind === 'organisation' &&
      isMine &&
      postForm(
        `/patients/${id}/team/members/${member.id}/staff`,
        lang,
        html`<label for="staff-${member.id}">${pt(lang, 'staffIds')}</label>
          <textarea id="staff-${member.id}" name="staff" rows="3">${staffIds}</textarea>
          ${button(pt(lang, 'saveStaff'), 'button small')}`,
      );
    const manage =
      team.me.canManage &&
      !isMine &&
      html`${postForm(
        `/patients/${id}/team/members/${member.id}/role`,
        lang,
        html`<select name="role" aria-label="${pt(lang, 'role')}">
            ${(['owner', 'editor', 'reader'] as const).map((r) =>
              roleOption(r, member.role === r, lang),
            )}</select
          >${button(pt(lang, 'changeRole'), 'button small')}`,
        { className: 'inline-form' },
      )}${postForm(
        `/patients/${id}/team/members/${member.id}/end`,
        lang,
        button(pt(lang, 'endMembership'), 'button small danger'),
        {
          confirm: pt(lang, 'endMembership'),
          className: 'inline-form',
        },
      )}`;
    return html`<li class="member" data-member-id="${member.id}">
      <strong>${member.organisation}</strong>
      <span class="badge"
        >${pt(lang, member.kind === 'organisation' ? 'organisationMember' : 'individualMember')}</span
      >
      <span class="badge">${roleLabel(member.role, lang)}</span>
      <p>${member.kind === 'organisation' && `${pt(lang, 'designatedStaff')}: `}${people}</p>
      ${staffForm}${manage}
    </li>`;
  });
  const invitations = team.invitations.map(
    (invitation) =>
      html`<li class="invitation" data-status="${invitation.status}">
        ${invitationLine(invitation, lang)}${
          team.me.canManage &&
          invitation.status === 'sent' &&
          postForm(
            `/patients/${id}/team/invitations/${invitation.id}/revoke`,
            lang,
            button(pt(lang, 'revoke'), 'button small'),
            {
              className: 'inline-form',
            },
          )
        }
      </li>`,
  );
  const invite =
    team.me.canManage &&
    html`<section class="card">
      <h2>${pt(lang, 'inviteTitle')}</h2>
      ${postForm(
        `/patients/${id}/team/invitations`,
        lang,
        html`${renderFields(
          invitationForm,
          view.inviteForm ?? { kind: 'organisation', role: 'editor', validDays: '14' },
          lang,
          view.inviteIssues,
        )}
          <p>${button(pt(lang, 'invite'), 'button primary')}</p>`,
      )}
    </section>`;
  const leave = postForm(`/patients/${id}/team/leave`, lang, button(pt(lang, 'leave'), 'button danger'), {
    confirm: pt(lang, 'leaveConfirm'),
  });
  return patientPage(
    lang,
    `${pt(lang, 'team')} — ${view.patientName}`,
    html`<p class="breadcrumb">
        ${link(`/patients/${id}`, `${view.patientName} — ${pt(lang, 'toRecord')}`, lang)}
      </p>
      <h1>${pt(lang, 'team')}</h1>
      ${view.problem && html`<p class="form-errors" role="alert">${view.problem}</p>`}
      <section class="card">
        <h2>${pt(lang, 'teamMembers')}</h2>
        <ul class="items">
          ${members}
        </ul>
      </section>
      <section class="card">
        <h2>${pt(lang, 'invitations')}</h2>
        ${
          invitations.length > 0
            ? html`<ul class="items">
                ${invitations}
              </ul>`
            : html`<p class="empty">${pt(lang, 'noInvitations')}</p>`
        }
      </section>
      ${invite}
      <section class="card">${leave}</section>`,
  );
}

/** Invitations waiting for the practitioner, to accept or decline. */
export function renderInvitationsPage(invitations: readonly OpenInvitation[], lang: Language): string {
  const rows = invitations.map(
    (invitation) =>
      html`<li class="invitation">
        <strong>${invitation.patientName}</strong>
        <p>
          ${pt(lang, 'invitedBy', { who: invitation.sentBy.name, organisation: invitation.sentBy.organisation })}
          ・ ${roleLabel(invitation.role, lang)} ・
          ${pt(lang, 'expires', { when: tokyoDateTime(invitation.expiresAt) })}
        </p>
        ${postForm(
          `/patients/invitations/${invitation.id}`,
          lang,
          html`<input
              type="hidden"
              name="answer"
              value="accept"
            />${button(pt(lang, 'accept'), 'button primary')}`,
          { className: 'inline-form' },
        )}
        ${postForm(
          `/patients/invitations/${invitation.id}`,
          lang,
          html`<input type="hidden" name="answer" value="decline" />${button(pt(lang, 'decline'), 'button')}`,
          { className: 'inline-form' },
        )}
      </li>`,
  );
  return patientPage(
    lang,
    pt(lang, 'invitations'),
    html`<p class="breadcrumb"><a href="${href('/patients', lang)}">${pt(lang, 'toList')}</a></p>
      <h1>${pt(lang, 'invitations')}</h1>
      ${
        rows.length > 0
          ? html`<ul class="items">
              ${rows}
            </ul>`
          : html`<p class="empty">${pt(lang, 'noInvitations')}</p>`
      }`,
  );
}
