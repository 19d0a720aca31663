use worker::*;

mod counter;
mod room;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let namespace = if path.starts_with("/count") {
        env.durable_object("COUNTERS")?
    } else {
        env.durable_object("ROOMS")?
    };
    let stub = namespace.id_from_name("lobby")?.get_stub()?;
    stub.fetch_with_request(req).await
}
