// The applicant's sign-in over OpenID Connect, end to end on real sockets: the alarm center (on
// the local PostgreSQL) redirects to the local provider, the identity is chosen, the code is
// exchanged and the ID token verified, the session starts; then the application itself. Sequential
// round trips, as one applicant makes them (25: under the 30 a minute an address may start);
// prints JSON lines (p50/p95 in ms).

import { applicantClient, createTestDatabase, signInApplicant, startTestPlatform } from '../src/testing/index.ts';

const ROUNDS = Number(process.env.BENCH_SIGN_INS ?? 25);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
function report(metric: string, samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  for (const [name, p] of [
    ['p50', 0.5],
    ['p95', 0.95],
  ] as const) {
    const value = Math.round(percentile(sorted, p) * 10) / 10;
    process.stdout.write(
      `${JSON.stringify({ bench: 'applicant-sign-in', metric: `${metric}_${name}`, value, unit: 'ms' })}\n`,
    );
  }
}

const db = await createTestDatabase();
const platform = await startTestPlatform({ databaseUrl: db.url });
try {
  await platform.grants.setDistrict('Centrum', true, 'bench');
  await signInApplicant(platform, '19400312-2381'); // warm-up: discovery and keys fetched once
  const signIns: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    const start = performance.now();
    await signInApplicant(platform, '19400312-2381');
    signIns.push(performance.now() - start);
  }
  report('sign_in_round_trip', signIns);

  const applications: number[] = [];
  const greta = await applicantClient(platform, '19400312-2381');
  const body = {
    legalBasis: 'sol_4_2a',
    applicant: { phone: '031-12 34 56' },
    address: { street: 'Storgatan 5', postalCode: '411 38', city: 'Göteborg' },
    district: 'Centrum',
    access: { keyHandling: 'key_box' },
    livingSituation: 'alone',
    maxFeeConsent: true,
  };
  // The first is granted; every later one is linked to it (the 409 road, a person applying again).
  for (let i = 0; i < Math.min(ROUNDS, 9); i += 1) {
    const start = performance.now();
    const res = await greta.call('POST', '/api/public/applications', body);
    applications.push(performance.now() - start);
    if (res.status !== (i === 0 ? 201 : 409)) throw new Error(`application ${i}: ${res.status}`);
  }
  report('application', applications);
} finally {
  await platform.close();
  await db.drop();
}
