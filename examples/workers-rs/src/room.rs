use worker::*;

#[durable_object]
pub struct ChatRoom {
    state: State,
}

impl DurableObject for ChatRoom {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&mut self, _req: Request) -> Result<Response> {
        self.state
            .storage()
            .sql()
            .exec("CREATE TABLE IF NOT EXISTS messages (body TEXT)", None)?;
        Response::ok("room")
    }
}
