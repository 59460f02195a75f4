mod routing;
mod engine;
mod cli;
mod conversations_run;
