// TypeBox schemas of the staff routes: requests are validated with them and responses serialized
// with them (nothing outside a schema leaves the API, such as a PIN hash).
import { STAFF_ROLES } from '@cloudpos/tenant-db';
import { Type } from 'typebox';
import { ListOf } from '../lists.ts';
import { ACTIONS } from './permissions.ts';
import { PIN_PATTERN } from './secrets.ts';

export const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const StaffCode = Type.String({ pattern: '^[A-Za-z0-9]{1,16}$', description: 'Typed on the till' });
export const Pin = Type.String({ pattern: PIN_PATTERN, description: '4 to 12 digits' });
export const Role = Type.Enum(STAFF_ROLES);
export const ActionName = Type.Enum(ACTIONS);
const DisplayName = Type.String({ minLength: 1, maxLength: 100 });
/** Minor units of the tenant's currency. */
const Amount = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const StaffViewSchema = Type.Object({
  id: Uuid,
  code: Type.String(),
  displayName: Type.String(),
  role: Role,
  active: Type.Boolean(),
  lockedUntil: Nullable(Timestamp),
});

export const DeviceViewSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  code: Type.String({ description: 'The register code in its receipt numbers (T1)' }),
  storeId: Nullable(Uuid),
  revokedAt: Nullable(Timestamp),
  lastSeenAt: Nullable(Timestamp),
  createdAt: Timestamp,
});

export const SessionSchema = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresAt: Timestamp,
  refreshToken: Type.String(),
  refreshExpiresAt: Timestamp,
  staff: StaffViewSchema,
  deviceId: Uuid,
  tenant: Type.Object({ slug: Type.String(), currency: Type.String(), timezone: Type.String() }),
});

/** Exactly one of staffId / staffCode (checked by the handler: JSON Schema unions read badly). */
const StaffRefFields = {
  staffId: Type.Optional(Uuid),
  staffCode: Type.Optional(StaffCode),
};

export const SignInBody = Type.Object(
  {
    deviceId: Uuid,
    deviceSecret: Type.String({ minLength: 1, maxLength: 200 }),
    ...StaffRefFields,
    pin: Pin,
  },
  { additionalProperties: false },
);

export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

export const ApprovalBody = Type.Object(
  { action: ActionName, amount: Type.Optional(Amount), ...StaffRefFields, pin: Pin },
  { additionalProperties: false },
);

export const ApprovalSchema = Type.Object({
  approvalId: Uuid,
  action: ActionName,
  amount: Nullable(Type.Integer()),
  expiresAt: Timestamp,
  approver: Type.Object({ id: Uuid, displayName: Type.String(), role: Role }),
});

export const SetupBody = Type.Object(
  {
    setupCode: Type.String({ minLength: 1, maxLength: 64 }),
    owner: Type.Object(
      { code: StaffCode, displayName: DisplayName, pin: Pin },
      { additionalProperties: false },
    ),
    device: Type.Object({ name: DisplayName }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const DeviceWithSecretSchema = Type.Object({
  ...DeviceViewSchema.properties,
  secret: Type.String({ description: 'Shown only once: the till keeps it to sign staff in' }),
});

export const SetupCodeSchema = Type.Object({
  setupCode: Type.String({ description: 'Creates the first owner and till with POST /v1/setup' }),
});

export const SetupResponse = Type.Object({
  ...SessionSchema.properties,
  device: DeviceWithSecretSchema,
});

export const MeSchema = Type.Object({
  staffId: Uuid,
  role: Role,
  deviceId: Uuid,
  tenant: Type.Object({
    slug: Type.String(),
    currency: Type.String(),
    timezone: Type.String(),
    readOnly: Type.Boolean(),
  }),
  permissions: Type.Record(Type.String(), Type.Enum(['allow', 'deny', 'needs-approval'])),
});

export const NewStaffBody = Type.Object(
  { code: StaffCode, displayName: DisplayName, role: Role, pin: Pin },
  { additionalProperties: false },
);

export const StaffPatchBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    role: Type.Optional(Role),
    pin: Type.Optional(Pin),
    active: Type.Optional(Type.Boolean()),
    unlock: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const NewDeviceBody = Type.Object(
  { name: DisplayName, storeId: Type.Optional(Uuid) },
  { additionalProperties: false },
);

export const NewPairingCodeBody = Type.Object(
  {
    storeId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          "The store the paired register sells in; without it, the tenant's only open store (with several, the pairing must name one)",
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'May be left out entirely: a POST without a body makes a code for any new register',
  },
);

export const PairingCodeSchema = Type.Object({
  code: Type.String({
    description:
      'Shown once, grouped as ABCD-EFGH (8 characters, no 0/O or 1/I); dashes and case do not matter',
  }),
  expiresAt: Timestamp,
  storeId: Nullable(Uuid),
});

export const PairBody = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 32, description: 'The pairing code, as typed' }),
    device: Type.Object(
      {
        name: DisplayName,
        storeId: Type.Optional(
          Type.String({ format: 'uuid', description: 'Only when the code names no store' }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const PairedDeviceSchema = Type.Object({
  ...DeviceWithSecretSchema.properties,
  store: Type.Object(
    {
      id: Uuid,
      code: Type.String(),
      name: Type.String(),
      currency: Type.String(),
      timezone: Type.String(),
    },
    { description: 'The store the register sells in' },
  ),
});

export const DevicePatchBody = Type.Object(
  {
    name: Type.Optional(DisplayName),
    storeId: Type.Optional(Uuid),
    active: Type.Optional(
      Type.Boolean({ description: 'false revokes the till (its sessions end); true lets it sign in again' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const IdParams = Type.Object({ id: Uuid });

export const AuditQuerystring = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    staffId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const AuditEntrySchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  action: Type.String(),
  outcome: Type.String(),
  actorStaffId: Nullable(Uuid),
  actorRole: Nullable(Type.String()),
  /** The merchant portal user who acted through the portal (actorStaffId is then null). */
  actorPortalUserId: Nullable(Uuid),
  deviceId: Nullable(Uuid),
  targetType: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  amount: Nullable(Type.Integer()),
  approverStaffId: Nullable(Uuid),
  approvalId: Nullable(Uuid),
  traceId: Nullable(Type.String()),
  detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const AuditPage = ListOf(AuditEntrySchema, {
  description: 'Pass as `before` to get the next (older) page; null: this is the last page',
});
