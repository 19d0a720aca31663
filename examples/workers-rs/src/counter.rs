use worker::*;

// `fetch` only: the macro generates no alarm handler for this class.
#[durable_object(fetch)]
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&mut self, _req: Request) -> Result<Response> {
        let n: u64 = self.state.storage().get("n").await.unwrap_or(0);
        self.state.storage().put("n", n + 1).await?;
        self.state.storage().set_alarm(60_000).await?;
        Response::ok(format!("{}", n + 1))
    }

    async fn alarm(&mut self) -> Result<Response> {
        self.state.storage().delete("n").await?;
        Response::ok("reset")
    }
}
