/** The approval queue, live: what agents propose, Approve and Reject. */
export function ApprovalQueue() {
  return (
    <section id="approvals" aria-labelledby="approvals-title">
      <h2 id="approvals-title">Approval queue</h2>
    </section>
  );
}
