//! Danger-phrase recall against the shipped `config/danger.yaml`: the ways people say a child is
//! in danger now must all get the emergency message first, and ordinary worries must not.
//! When a real message is missed, add it here first, watch it fail, then grow the patterns.

use signpost::safety::DangerDetector;
use std::sync::OnceLock;

fn detector() -> &'static DangerDetector {
    static D: OnceLock<DangerDetector> = OnceLock::new();
    D.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/danger.yaml");
        let src = std::fs::read_to_string(path).unwrap();
        DangerDetector::from_str(&src, "config/danger.yaml").unwrap()
    })
}

const DANGER: &[&str] = &[
    // Plain statements
    "my daughter is in danger",
    "She is in danger right now",
    "he's in danger",
    "a child is in immediate danger",
    "I think she's in serious danger tonight",
    "this is an emergency",
    "Its an emergency please help",
    "it's happening right now",
    "it is happening now",
    "they are hurting her right now",
    // With the person now
    "she's with him now",
    "shes with him right now",
    "he is with them now and i dont know the address",
    "my son is with the man now",
    "hes outside now",
    "they're outside again",
    "he's coming now",
    // Can't get away / trapped / held
    "I can't get away",
    "i cant get away from him",
    "cant get out",
    "I can not get away",
    "Can’t  get   away",
    "he won't let me leave",
    "they wont let her go",
    "I'm locked in a room",
    "she is locked in his flat",
    "we are trapped in the house",
    "i'm stuck in a car with them",
    "she's not allowed to leave",
    "my friend was kidnapped",
    "he's been taken away by some men",
    "someone is following me",
    "a man keeps following her home and he's outside now",
    // Being hurt
    "he's hurting me",
    "hes hurting me",
    "HE IS HURTING ME",
    "they are hitting her",
    "someone is attacking my son",
    "he is beating him up",
    "they're threatening him with a knife",
    "he has a knife",
    "one of them has got a gun",
    "my friend has been stabbed",
    "she's bleeding badly",
    "he threatened to kill her",
    "they said they are going to hurt me",
    "he's gonna kill me",
    "they are forcing me to have sex",
    "he is making her get in the car",
    "someone is touching me and i want it to stop",
    // Suicide, self-harm, overdose
    "I want to kill myself",
    "i want to kill my self",
    "she says she wants to kill herself",
    "he's going to hurt himself",
    "i keep harming myself and i want to die",
    "i want to die",
    "im going to end it all",
    "she's suicidal",
    "feeling suicidal",
    "she's taken an overdose",
    "he overdosed",
    "she took too many pills",
    "he swallowed loads of tablets",
    "she's unconscious",
    "he's not breathing",
    "she won't wake up",
    "i cant wake him",
    "my son has passed out after they gave him something",
    // Missing now
    "my 14 year old has gone missing tonight",
    "she's been missing since yesterday",
    "he didn't come home last night and isn't answering",
    "I don't know where she is and it's 3am",
    "she got in a car with three older men",
    // Text-speak and typos
    "help me plz",
    "helpp mee plz",
    "sos",
    "SOS please",
    "hes hurting me rn right now",
    "in danger!!!",
    "im in danger",
    // Harder phrasings, added after the first table passed, to find real gaps
    "hes got her in his car and wont let her out",
    "pls come quick",
    "she's being held somewhere by them",
    "he punched me and he is still here",
    "im scared hes going to come back tonight",
    "she rang me crying saying they won't let her come home",
    "they've got my son and they're making him sell drugs right this minute",
    "my girl is at a party with older men and she's too drunk to stand up",
    "he has hurt her and she is bleeding",
    "i think shes being raped",
    "someone's forcing my brother into a car",
    "cant breathe",
    // Long messages with the danger in the middle
    "I've been worried about my daughter for weeks because she has a new phone and older friends, and tonight she texted me that she can't get away from them, I don't know what to do, she's 15",
    "sorry to bother you, my neighbour's boy is always out late, and just now I saw through the window that a man is hitting him in the car park, what should I do",
    "we had an argument earlier but now he says he wants to kill himself and he's locked himself in the bathroom",
    "My son (13) came back with cash again. Actually right now there are men outside our house shouting for him.",
];

const ORDINARY: &[&str] = &[
    "my daughter has a new phone and won't say where from",
    "he's got a new iphone and won't say where from",
    "older boyfriend picks her up from school",
    "keeps going missing overnight",
    "she goes missing from school a lot",
    "he has been missing school",
    "she has an older boyfriend",
    "he comes home with money and new trainers",
    "she seems scared and secretive",
    "he's always on his phone late at night",
    "she has two phones",
    "he has been drinking",
    "she came home drunk last weekend",
    "he smells of cannabis",
    "I found cuts on her arm",
    "she has unexplained bruises",
    "his mood has changed a lot",
    "she stopped seeing her old friends",
    "a taxi keeps dropping her at a hotel",
    "I work at a hotel and a young girl came in with older men last week",
    "I'm a taxi driver and I picked up a young lad with an older man",
    "I'm a teacher",
    "I'm a parent",
    "I am worried about my friend",
    "is this happening to me?",
    "I'm not sure if I'm overreacting",
    "yes",
    "no",
    "Cambridge",
    "PE19 1AA",
    "I don't know",
    "thank you",
    "what does grooming mean",
    "she is safe at home now but I'm worried",
    "he's at school",
    "can you tell me who to contact",
    "my son plays online games with people he doesn't know",
    "she is danger-aware and careful",
    "he gets dangerously angry sometimes",
    "she kept saying she was fine",
    "hello",
    "",
    "🙂",
    "he washes a lot after coming home",
];

#[test]
fn every_way_of_saying_danger_now_is_caught() {
    assert!(DANGER.len() >= 80, "the recall table needs at least 80 phrases, has {}", DANGER.len());
    let missed: Vec<&&str> = DANGER.iter().filter(|t| !detector().is_danger(t)).collect();
    assert!(missed.is_empty(), "missed danger phrases:\n{missed:#?}");
}

#[test]
fn ordinary_worries_do_not_trigger_the_emergency_message() {
    assert!(ORDINARY.len() >= 40, "the table needs at least 40 ordinary messages, has {}", ORDINARY.len());
    let flagged: Vec<&&str> = ORDINARY.iter().filter(|t| detector().is_danger(t)).collect();
    assert!(flagged.is_empty(), "ordinary messages flagged as danger:\n{flagged:#?}");
}
