// Starts an in-memory PLC and a PDS (@atproto/dev-env TestNetworkNoAppView), seeds a staff
// account with posts (one with an image and alt text), a reply, a quote, a repost, follows and
// a like, then prints one JSON line describing what it created and stays up until stdin closes.
// Run with NODE_PATH pointing at the node_modules where @atproto/dev-env is installed.
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')
const { TestNetworkNoAppView } = require('@atproto/dev-env')

// A 1x1 PNG: enough for the PDS to accept and store a blob.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

async function main() {
  const network = await TestNetworkNoAppView.create({})
  const sc = network.getSeedClient()
  const make = (name) =>
    sc.createAccount(name, { handle: `${name}.test`, email: `${name}@example.test`, password: `${name}-pass` })
  const teacher = await make('teacher')
  const student = await make('student')
  const colleague = await make('colleague')
  await sc.createProfile(teacher.did, 'Ms. Teacher', 'Grade 5 at Oakville Public School')
  await sc.createProfile(student.did, 'Student Person', 'grade 6 oakville')

  const imgPath = path.join(os.tmpdir(), `pds-seed-${process.pid}.png`)
  fs.writeFileSync(imgPath, PNG)
  const blob = await sc.uploadFile(teacher.did, imgPath, 'image/png')
  fs.unlinkSync(imgPath)

  const plain = await sc.post(teacher.did, 'Welcome back to school, everyone!')
  const withImage = await sc.post(teacher.did, 'Our science fair', undefined, [
    { image: blob.image, alt: 'Students at the science fair table' },
  ])
  const colleaguePost = await sc.post(colleague.did, 'Staff meeting moved to Thursday')
  const reply = await sc.reply(teacher.did, colleaguePost.ref, colleaguePost.ref, 'Thanks for the heads-up')
  const quote = await sc.post(teacher.did, 'Worth a read', undefined, undefined, colleaguePost.ref)
  const repost = await sc.repost(teacher.did, colleaguePost.ref)
  const followStudent = await sc.follow(teacher.did, student.did)
  const followColleague = await sc.follow(teacher.did, colleague.did)
  const like = await sc.like(teacher.did, colleaguePost.ref)

  const out = {
    pds: network.pds.url,
    plc: network.plc.url,
    accounts: Object.fromEntries(
      [teacher, student, colleague].map((a) => [a.handle.split('.')[0], { did: a.did, handle: a.handle }]),
    ),
    posts: {
      plain: plain.ref.uriStr,
      image: withImage.ref.uriStr,
      colleague: colleaguePost.ref.uriStr,
      reply: reply.ref.uriStr,
      quote: quote.ref.uriStr,
    },
    repost: repost.uriStr,
    follows: { student: followStudent.uriStr, colleague: followColleague.uriStr },
    like: like.toString(),
    blob_cid: blob.image.ref.toString(),
  }
  process.stdout.write(JSON.stringify(out) + '\n')

  // Later changes, on request, to test incremental runs. One JSON line on stdin per command:
  // {"post": "text"} → {"posted": uri}; {"unfollow": "student"} → {"unfollowed": did}.
  const byName = { teacher, student, colleague }
  let buffer = ''
  let pending = Promise.resolve()
  process.stdin.on('data', (chunk) => {
    buffer += chunk.toString()
    let nl
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const command = JSON.parse(buffer.slice(0, nl))
      buffer = buffer.slice(nl + 1)
      pending = pending.then(async () => {
        if (command.post !== undefined) {
          const p = await sc.post(teacher.did, command.post)
          process.stdout.write(JSON.stringify({ posted: p.ref.uriStr }) + '\n')
        } else if (command.unfollow !== undefined) {
          const target = byName[command.unfollow].did
          await sc.unfollow(teacher.did, target)
          process.stdout.write(JSON.stringify({ unfollowed: target }) + '\n')
        }
      })
    }
  })
  process.stdin.on('end', () => {
    pending.then(() => network.close()).then(() => process.exit(0))
  })
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n')
  process.exit(1)
})
