// The food team enters its crop-loss assessment through a gateway's API, as the village form does:
// above 20 % opens seed and food requests (the reference rule), below 10 % withdraws them.
export function postCropLoss(gatewayHttpUrl: string, value: number): Promise<Response> {
  return fetch(`${gatewayHttpUrl}/api/assessments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "greenhouse.cropLossPct", value }),
  });
}
