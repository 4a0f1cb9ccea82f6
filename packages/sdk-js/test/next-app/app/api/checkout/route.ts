function chargeCard(total: number): number {
  if (total > 100) throw new TypeError(`card declined for a total of ${total}`);
  return total;
}

export const dynamic = "force-dynamic";

export async function GET(request: Request): Promise<Response> {
  const total = Number(new URL(request.url).searchParams.get("total") ?? "0");
  return Response.json({ charged: chargeCard(total) });
}
