"""Writes reviews.csv and reviews_test.csv, and their JSON Lines twins reviews.jsonl and
reviews_test.jsonl: short movie-review-like sentences labelled positive or negative, for
ofit's own-text example. Seeded, so it writes the same files
every time: python3 make_reviews.py

The words overlap on purpose: both sentiments talk about the plot, the cast and the music;
negations ("not great"), contrasts ("a slow start, but a wonderful ending": the last
clause decides) and lukewarm words make a bag of words good but not perfect.
"""
import csv, json, random

rng = random.Random(17)
subjects = ["the plot", "the acting", "the cast", "the script", "the music", "the ending",
            "the story", "the dialogue", "the camera work", "the pacing", "the lead actor",
            "the soundtrack", "the final act", "the humour", "the characters", "the direction"]
films = ["this film", "this movie", "the sequel", "this thriller", "this comedy", "the remake",
         "this drama", "the film", "this picture", "the documentary"]
good = ["wonderful", "brilliant", "moving", "superb", "charming", "gripping", "beautiful",
        "clever", "delightful", "excellent", "funny", "touching", "great", "fresh", "powerful"]
bad = ["dull", "boring", "awful", "clumsy", "tedious", "predictable", "silly", "weak",
       "forgettable", "messy", "flat", "lifeless", "terrible", "painful", "bland"]
lukewarm = ["fine", "decent", "okay", "passable", "watchable"]
good_verdicts = ["I loved it", "highly recommended", "worth every minute", "I would watch it again",
                 "a real treat", "go and see it", "one of the best this year", "a joy from start to finish"]
bad_verdicts = ["I hated it", "avoid it", "a waste of time", "I nearly walked out",
                "not worth the ticket", "I want my money back", "one of the worst this year",
                "I fell asleep"]
fillers = ["", "", "", "Honestly, ", "Frankly, ", "To be fair, ", "In the end, ", "Sadly, ",
           "Surprisingly, ", "Well, "]


def clause(positive):
    s, adjective = rng.choice(subjects), rng.choice(good if positive else bad)
    form = rng.randrange(5)
    if form == 0:
        return f"{s} is {adjective}"
    if form == 1:
        return f"{s} was {rng.choice(['really', 'quite', 'truly', 'so'])} {adjective}"
    if form == 2:
        # A negated word of the other side.
        other = rng.choice(bad if positive else good)
        return f"{s} is never {other}" if positive else f"{s} is not {other} at all"
    if form == 3:
        return f"{s} felt {adjective}"
    return f"{s} is {rng.choice(lukewarm)} and {adjective}"


def review(positive):
    film = rng.choice(films)
    kind = rng.randrange(6)
    if kind == 0:
        text = f"{rng.choice(fillers)}{film} is {rng.choice(good if positive else bad)}."
    elif kind == 1:
        text = f"{clause(positive).capitalize()}, {clause(positive)}."
    elif kind == 2:
        # A contrast: the last clause decides.
        text = f"{clause(not positive).capitalize()}, but {clause(positive)}."
    elif kind == 3:
        verdict = rng.choice(good_verdicts if positive else bad_verdicts)
        text = f"{rng.choice(fillers)}{clause(positive)}; {verdict}."
    elif kind == 4:
        text = f"{film.capitalize()}: {clause(positive)}, and {clause(positive)}."
    else:
        verdict = rng.choice(good_verdicts if positive else bad_verdicts)
        text = f"{clause(not positive).capitalize()} at first. Still, {verdict}."
    return text[0].upper() + text[1:]


def write(name, rows):
    labelled = []
    for _ in range(rows):
        positive = rng.random() < 0.5
        labelled.append((review(positive), "positive" if positive else "negative"))
    with open(f"{name}.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["review", "sentiment"])
        out.writerows(labelled)
    with open(f"{name}.jsonl", "w") as f:
        for text, sentiment in labelled:
            f.write(json.dumps({"review": text, "sentiment": sentiment}) + "\n")


write("reviews", 400)
write("reviews_test", 120)
