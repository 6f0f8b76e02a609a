// Pages with a "sale opens in" countdown and nothing else to do.
import { startPageCountdowns } from "./lib/countdown";

startPageCountdowns();
