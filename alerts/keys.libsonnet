// Key lifecycle: a revoked key still presented (a security page), a rotation in progress (info:
// it only inhibits the mismatch / unknown-key tickets the rotation is expected to cause), a rotation
// stalled because the retiring key still carries traffic past the policy window, and keys
// older than the rotation policy. `maxKeyAge` is compared with the measured key age and is not scaled.
local lib = import '../rules/lib.libsonnet';

{
  prometheusAlerts+:: {
    local c = $._config,
    local fm = c.alerting.failureModes,
    local w = lib.scaled(c, fm.window),
    local V = lib.metric(c, 'verifications'),
    local E = lib.label(c, 'errorType'),
    local K = lib.label(c, 'keyId'),
    local ST = lib.label(c, 'keyStatus'),
    local info = lib.metric(c, 'keyInfo'),
    // observeKeyRing keeps reporting a key's earlier status with value 0 after it changes (the SDK
    // keeps series it has seen), so only `== 1` is the key's current status.
    local retiring = '(%s%s == 1)' % [info, lib.sel(c, ['%s="retiring"' % ST])],
    local byKey = 'job, %s' % K,

    groups+: [{
      name: 'hmac-auth-keys',
      rules: [
        lib.alert(
          c, 'RevokedKeyPresented', 'critical',
          lib.withKeyOwner(c, 'sum by (%s) (increase(%s%s[%s])) > 0' % [byKey, V, lib.sel(c, ['%s="revoked_key"' % E]), w]),
          null,
          'A revoked HMAC key is still being presented.',
          '{{ $labels.job }} rejected {{ $value | humanize }} requests signed with revoked key {{ $labels.%s }} over the last %s: treat the key as compromised until proven otherwise.' % [K, fm.window],
          { category: 'security', team: 'security' },
        ),
        // Leaked key (F4): a key that still works, suddenly used by more clients than it ever was
        // lately. Compared with the same count's own maximum over `keyClientsHistory` (8d: the whole of
        // the same weekday last week, so a key idle at night or over the weekend comes back to its
        // usual count quietly), leaving out the latest `keyClientsRecent` so the surge is not its own
        // baseline; read from the hourly maximum the recording rules keep once an hour
        // (rules/key-clients.libsonnet). A key with no history is not judged. Across replicas both sides read the largest
        // replica's count (lib.gauge, docs/metrics.md "Across replicas"). Nor is a key younger than `rotationWindow` + `keyClientsRecent`
        // (hmac_key_age_seconds, from a key ring): a rotation's new key, first used by a canary
        // client, then by all of them within the rotation window, is clients moving, not a leak; once
        // older, its history since it was created holds all of them. Not the whole history: a key
        // created two days ago, used by one client and then by five, is judged.
        local keyClients = lib.keyClientsNow(c);
        lib.alert(
          c, 'KeyClientsSurge', 'critical',
          lib.withKeyOwner(c, '(%s >= %d)\n> %s * max_over_time(%s[%s] offset %s)\nunless on (%s) (max by (%s) (%s%s) < %s)' % [
            keyClients, fm.keyClientsFloor, lib.num(fm.keyClientsFactor), lib.keyClientsMax(c),
            lib.scaled(c, fm.keyClientsHistory), lib.scaled(c, fm.keyClientsRecent),
            byKey, byKey, lib.metric(c, 'keyAge'), lib.sel(c, []),
            lib.num(lib.scaledSeconds(c, fm.rotationWindow) + lib.scaledSeconds(c, fm.keyClientsRecent)),
          ]),
          fm['for'],
          'An HMAC key is used by many more clients than usual (possible leak).',
          '{{ $labels.job }}: key {{ $labels.%s }} verified requests from {{ $value }} distinct clients in the verifiers\' client window, ' % K +
          'more than %s× its usual maximum over the last %s (and at least %d): the key may have leaked. ' % [lib.num(fm.keyClientsFactor), fm.keyClientsHistory, fm.keyClientsFloor] +
          'Follow the key-compromise playbook: rotate or revoke, then back-fill the abuse window.',
          { category: 'security', team: 'security' },
        ),
        lib.alert(
          c, 'KeyRotationInProgress', 'info',
          lib.withKeyOwner(c, 'max by (%s) (%s)' % [byKey, retiring]),
          null,
          'An HMAC key rotation is in progress.',
          '{{ $labels.job }} still accepts retiring key {{ $labels.%s }}: mismatch and unknown-key tickets for this job are inhibited until the rotation ends.' % K,
        ),
        lib.alert(
          c, 'KeyRotationStalled', 'warning',
          lib.withKeyOwner(c, '(sum by (%s) (rate(%s%s[%s])) and on (%s) %s)\n/ on (job) group_left ()\nclamp_min(sum by (job) (rate(%s%s[%s])), %s)\n> %s' % [
            byKey, V, lib.sel(c, []), w, byKey, retiring, V, lib.sel(c, []), w, lib.epsilon, lib.num(fm.retiringKeyTrafficShare),
          ]),
          fm.rotationWindow,
          'A retiring HMAC key still carries traffic past the rotation window.',
          '{{ $labels.job }}: retiring key {{ $labels.%s }} still signs {{ $value | humanizePercentage }} of verifications (threshold %s) after %s: some clients never picked up the new key.' % [
            K, lib.percent(fm.retiringKeyTrafficShare), fm.rotationWindow,
          ],
        ),
        lib.alert(
          c, 'KeyTooOld', 'warning',
          lib.withKeyOwner(c, '(max by (%s) (%s%s) > %s)\nunless on (%s) (%s%s == 1)' % [
            byKey, lib.metric(c, 'keyAge'), lib.sel(c, []), lib.num(lib.seconds(fm.maxKeyAge)), byKey, info, lib.sel(c, ['%s=~"retiring|revoked"' % ST]),
          ]),
          fm['for'],
          'An HMAC key is older than the rotation policy.',
          '{{ $labels.job }}: key {{ $labels.%s }} is {{ $value | humanizeDuration }} old, past the %s rotation policy, and no rotation has started.' % [K, fm.maxKeyAge],
        ),
      ],
    }],
  },
}
